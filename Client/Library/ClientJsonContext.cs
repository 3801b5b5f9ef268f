using System.Text.Json.Serialization;
using AppSyncChat.Client.Endpoints;
using AppSyncChat.Client.GraphQL;

namespace AppSyncChat.Client;

/// <summary>The client library's source-generated JSON context (GraphQL variables and results, endpoints file).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    WriteIndented = false)]
[JsonSerializable(typeof(InputVariables<SendMessageInput>))]
[JsonSerializable(typeof(InputVariables<RegenerateInput>))]
[JsonSerializable(typeof(InputVariables<CreateConversationInput>))]
[JsonSerializable(typeof(InputVariables<StopGenerationInput>))]
[JsonSerializable(typeof(GetConversationVariables))]
[JsonSerializable(typeof(ListConversationsVariables))]
[JsonSerializable(typeof(SendMessageResult))]
[JsonSerializable(typeof(StopGenerationResult))]
[JsonSerializable(typeof(Conversation))]
[JsonSerializable(typeof(ConversationPage))]
[JsonSerializable(typeof(LocalEndpointsFile))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
