using System.Net;
using System.Net.Sockets;

namespace ChatService.Tests.Infrastructure;

internal static class FreePort
{
    // Below Linux's ephemeral range (32768-60999): a port the kernel hands out for binding to 0 is
    // also what outgoing connections use, so one of them could take it before the server binds.
    private const int First = 20000;
    private const int End = 32000;

    /// <summary>A loopback port nothing listens on right now, outside the range outgoing connections draw from.</summary>
    public static int Next()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = Random.Shared.Next(First, End);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
            {
                // Taken; draw another.
            }
        }

        throw new InvalidOperationException($"No free loopback port between {First} and {End} after 100 tries.");
    }

    /// <summary>Waits until something accepts TCP connections on the port.</summary>
    public static async Task WaitUntilListeningAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(2));
                return;
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException)
            {
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"Nothing listened on 127.0.0.1:{port} within {timeout}.", ex);
                }

                await Task.Delay(100);
            }
        }
    }
}
