using System.Runtime.CompilerServices;

// The emulator's rule helpers (channel parsing, the IAM body rebuild) are tested directly.
[assembly: InternalsVisibleTo("AppSyncChat.Local.Tests")]
