using ChatService.Tests.Interop;

namespace ChatService.Tests.Infrastructure;

/// <summary>What the whole run started and must not leave behind: peer servers and the throwaway Postgres.</summary>
[TestClass]
public sealed class TestRunCleanup
{
    [AssemblyCleanup]
    public static async Task StopSharedServersAsync()
    {
        try
        {
            await InteropPeers.StopAllAsync();
        }
        finally
        {
            await PostgresServer.StopAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
    }
}
