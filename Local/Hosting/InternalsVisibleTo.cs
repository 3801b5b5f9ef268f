using System.Runtime.CompilerServices;

// The stack's own tests drive the sidecar and the command line directly.
[assembly: InternalsVisibleTo("AppSyncChat.Local.Tests")]
