using AppSyncChat.Cli;
using AppSyncChat.Cli.Settings;
using AppSyncChat.Client.CatchUp;
using AppSyncChat.Client.Tests.Support;

namespace AppSyncChat.Client.Tests.Cli;

/// <summary>Runs <c>appsyncchat</c> in-process against a fake API and a scripted subscription.</summary>
public sealed class CliHarness : IDisposable
{
    private readonly DirectoryInfo _directory = System.IO.Directory.CreateTempSubdirectory("appsyncchat-cli-");

    public CliHarness(AnswerScript? answer = null)
    {
        Server = new FakeChatServer(answer ?? AnswerScript.Streamed(["Hello ", "from ", "the model."]));
        Api = new FakeChatApi(Server);
        Variables[CliSettingNames.GraphQLUrl] = "http://127.0.0.1:4000/graphql";
        Variables[CliSettingNames.ApiKey] = "da2-localappsyncchatkey";
        Variables[CliSettingNames.EventsUrl] = "http://127.0.0.1:4010/event";
    }

    public FakeChatServer Server { get; }

    public FakeChatApi Api { get; }

    public ScriptedSubscription Subscription { get; } = new();

    public CliInterrupts Interrupts { get; } = new();

    public Dictionary<string, string> Variables { get; } = [];

    public string Directory => _directory.FullName;

    public StringWriter Out { get; } = new();

    public StringWriter Error { get; } = new();

    public List<ChatClientOptions> ClientOptions { get; } = [];

    public bool OutputIsRedirected { get; set; }

    public async Task<int> RunAsync(params string[] args)
    {
        var environment = new CliEnvironment
        {
            Out = TextWriter.Synchronized(Out),
            Error = TextWriter.Synchronized(Error),
            GetVariable = name => Variables.GetValueOrDefault(name),
            CurrentDirectory = Directory,
            OutputIsRedirected = OutputIsRedirected,
            Interrupts = Interrupts,
            ClientFactory = options =>
            {
                ClientOptions.Add(options);
                return new ChatClient(Api, Subscription, new CatchUpOptions());
            },
        };
        return await CliApp.RunAsync(args, environment).WaitAsync(TimeSpan.FromSeconds(20));
    }

    /// <summary>Publishes the whole answer when the message is sent (the worker's part).</summary>
    public void AnswerOnSend() => Api.OnSend = _ => Subscription.Publish([.. Server.Answer.Events]);

    public void WriteEndpointsFile(string json)
    {
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, ".local"));
        File.WriteAllText(Path.Combine(Directory, ".local", "endpoints.json"), json);
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
