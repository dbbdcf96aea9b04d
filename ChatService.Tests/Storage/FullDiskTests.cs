using ChatGrpc.Contracts.V1;
using ChatService.Tests.Chat;
using ChatService.Tests.Infrastructure;
using Grpc.Core;

namespace ChatService.Tests.Storage;

/// <summary>A really full disk: the data directory on a small tmpfs, which is grown again once sends are refused.</summary>
[TestClass]
public sealed class FullDiskTests
{
    private static readonly TimeSpan MountTimeout = TimeSpan.FromSeconds(10);

    [TestMethod]
    public async Task Send_DataDirectoryFills_UnavailableThenRecoversWithoutLossOrGap()
    {
        if (ChatServerHost.UsePostgres)
        {
            Assert.Inconclusive("The data directory is SQLite's; the Postgres store has its own cluster tests.");
        }

        var mountPoint = Path.Combine(Path.GetTempPath(), "chatgrpc-tests", "full-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(mountPoint);
        var (mounted, why) = await PeerProcess.RunAsync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint], MountTimeout);
        if (mounted != 0)
        {
            Assert.Inconclusive($"Mounting a tmpfs needs root (CI runs as root): {why.Trim()}");
        }

        try
        {
            await using var server = await ChatServerHost.StartAsync(dataDirectory: Path.Combine(mountPoint, "data"));
            var alice = await server.RegisterAsync();
            var room = await server.CreateRoomAsync(alice);
            await using var a = await server.ConnectAndJoinAsync(alice, room);
            var text = new string('x', 3900);
            var acked = new List<SendAck>();
            ServerFrame? refused = null;
            var n = 0;
            while (refused is null && n < 5000)
            {
                n++;
                var reply = await a.SendRawAsync(room, $"{n} {text}", $"k{n}");
                if (reply.SendAck is { } ack)
                {
                    acked.Add(ack);
                }
                else
                {
                    refused = reply;
                }
            }

            Assert.IsNotNull(refused, "4 MiB never filled");
            Assert.IsTrue(acked.Count > 100, $"refused after only {acked.Count} messages: {refused}");
            Console.WriteLine($"4 MiB full after {acked.Count} messages: {refused.Error.Message}");
            Assert.AreEqual((int)StatusCode.Unavailable, refused.Error.Code, refused.ToString());
            var (grown, growOutput) = await PeerProcess.RunAsync("mount", ["-o", "remount,size=64m", mountPoint], MountTimeout);
            Assert.AreEqual(0, grown, growOutput);
            var retried = await a.SendAsync(room, $"{n} {text}", $"k{n}");
            var after = await a.SendAsync(room, "after the disk was grown");

            using var store = server.OpenStoreConnection();
            using var query = store.CreateCommand();
            query.CommandText = "SELECT COUNT(*), MIN(seq), MAX(seq) FROM messages WHERE room_id = $room;";
            var parameter = query.CreateParameter();
            parameter.ParameterName = "$room";
            parameter.Value = room;
            query.Parameters.Add(parameter);
            using var row = query.ExecuteReader();
            Assert.IsTrue(row.Read());
            var (count, first, last) = (row.GetInt64(0), row.GetInt64(1), row.GetInt64(2));

            CollectionAssert.AreEqual(Enumerable.Range(1, acked.Count).Select(i => (ulong)i).ToArray(), acked.Select(x => x.Seq).ToArray());
            Assert.AreEqual((ulong)acked.Count + 1, retried.Seq, "the refused message took the next seq once there was room");
            Assert.AreEqual(retried.Seq + 1, after.Seq);
            Assert.AreEqual((1L, (long)after.Seq, (long)after.Seq), (first, last, count), "every acked message is stored, without gaps");
        }
        finally
        {
            await PeerProcess.RunAsync("umount", ["-l", mountPoint], MountTimeout);
            Directory.Delete(mountPoint, recursive: true);
        }
    }
}
