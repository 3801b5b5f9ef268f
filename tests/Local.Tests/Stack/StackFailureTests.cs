using System.Diagnostics;
using AppSyncChat.Local.Hosting;

namespace AppSyncChat.Local.Tests.Stack;

public sealed class StackFailureTests
{
    [Fact]
    public async Task Failure_SidecarKilledWhileRunning_FaultsWithSidecarFailed()
    {
        await using var stack = await LocalStack.StartAsync(LocalStackOptions.ForTests(), CancellationToken.None);
        Assert.False(stack.Failure.IsCompleted);

        using (var sidecar = Process.GetProcessById(stack.Endpoints.SidecarProcessId))
        {
            sidecar.Kill();
        }

        var error = await Assert.ThrowsAsync<LocalStackException>(() => stack.Failure.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(LocalStackErrorCode.SidecarFailed, error.Code);
    }
}
