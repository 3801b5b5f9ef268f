namespace AppSyncChat.Aws.AppSyncEvents;

/// <summary>Every wire name of the AppSync Events protocol used by the clients, in one place (docs/aws-protocols.md §1).</summary>
public static class EventsWireNames
{
    /// <summary>Path of the HTTP publish endpoint.</summary>
    public const string PublishPath = "/event";

    /// <summary>Path of the WebSocket endpoint (relative to the realtime host).</summary>
    public const string RealtimePath = "/event/realtime";

    /// <summary>The SigV4 signing name of AppSync (Events and GraphQL).</summary>
    public const string SigningService = "appsync";

    /// <summary>The literal subprotocol every Events WebSocket offers.</summary>
    public const string Subprotocol = "aws-appsync-event-ws";

    /// <summary>Prefix of the second subprotocol, followed by the base64url (unpadded) JSON auth object.</summary>
    public const string HeaderSubprotocolPrefix = "header-";

    /// <summary>Frame <c>type</c> values.</summary>
    public static class MessageTypes
    {
        public const string ConnectionInit = "connection_init";
        public const string ConnectionAck = "connection_ack";
        public const string ConnectionError = "connection_error";
        public const string KeepAlive = "ka";
        public const string Subscribe = "subscribe";
        public const string SubscribeSuccess = "subscribe_success";
        public const string SubscribeError = "subscribe_error";
        public const string Data = "data";
        public const string BroadcastError = "broadcast_error";
        public const string Unsubscribe = "unsubscribe";
        public const string UnsubscribeSuccess = "unsubscribe_success";
        public const string UnsubscribeError = "unsubscribe_error";
        public const string Publish = "publish";
        public const string PublishSuccess = "publish_success";
        public const string PublishError = "publish_error";
        public const string Error = "error";
    }

    /// <summary>JSON field names of frames and HTTP bodies.</summary>
    public static class Fields
    {
        public const string Type = "type";
        public const string Id = "id";
        public const string Channel = "channel";
        public const string Events = "events";
        public const string Event = "event";
        public const string Authorization = "authorization";
        public const string Errors = "errors";
        public const string ErrorType = "errorType";
        public const string Message = "message";
        public const string ConnectionTimeoutMs = "connectionTimeoutMs";
        public const string Payload = "payload";
        public const string Successful = "successful";
        public const string Failed = "failed";
        public const string Identifier = "identifier";
        public const string Index = "index";
        public const string Code = "code";
    }

    /// <summary>Header names (HTTP headers, and keys of the JSON authorization object).</summary>
    public static class Headers
    {
        public const string Host = "host";
        public const string ApiKey = "x-api-key";
        public const string Authorization = "Authorization";
        public const string AmzDate = "x-amz-date";
        public const string SecurityToken = "X-Amz-Security-Token";
        public const string Accept = "accept";
        public const string ContentEncoding = "content-encoding";
        public const string ContentType = "content-type";
        public const string RequestId = "x-amzn-RequestId";
        public const string RetryAfter = "Retry-After";
    }

    /// <summary>The constant headers of AppSync's IAM recipe for WebSocket connect/subscribe/publish (docs/aws-protocols.md §1.4).</summary>
    public static class IamRecipe
    {
        public const string Accept = "application/json, text/javascript";
        public const string ContentEncoding = "amz-1.0";
        public const string ContentType = "application/json; charset=UTF-8";
    }

    /// <summary>Error types AppSync Events sends (union of the docs and the official clients).</summary>
    public static class ErrorTypes
    {
        public const string Unauthorized = "UnauthorizedException";
        public const string BadRequest = "BadRequestException";
        public const string MaxSubscriptionsReached = "MaxSubscriptionsReachedError";
        public const string LimitExceeded = "LimitExceededError";
        public const string ResourceNotFound = "ResourceNotFound";
        public const string UnsupportedOperation = "UnsupportedOperation";
        public const string InvalidInput = "InvalidInputError";
        public const string SubscriptionProcessing = "SubscriptionProcessingError";
        public const string MessageProcessing = "MessageProcessingError";
        public const string UnknownOperation = "UnknownOperationError";
    }

    /// <summary>Limits documented for the service (docs/aws-protocols.md §1.7).</summary>
    public static class Limits
    {
        public const int MaxEventsPerPublish = 5;

        /// <summary>240 KB per event, counted as UTF-8 bytes of the event's JSON text (240 × 1024).</summary>
        public const int MaxEventBytes = 240 * 1024;

        public const int MaxOperationIdLength = 128;

        /// <summary>Documented default of <c>connectionTimeoutMs</c>, used when an ack carries none.</summary>
        public const int DefaultConnectionTimeoutMs = 300_000;
    }
}
