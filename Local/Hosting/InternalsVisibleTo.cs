using System.Runtime.CompilerServices;

// The stack's own tests drive the sidecar and the command line directly.
[assembly: InternalsVisibleTo("AppSyncChat.Local.Tests")]

// The CDK tests run ChatSubscribeRule beside the deployed onSubscribe handler on one table of cases.
[assembly: InternalsVisibleTo("AppSyncChat.Cdk.Tests")]
