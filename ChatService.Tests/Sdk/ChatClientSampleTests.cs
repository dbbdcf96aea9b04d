using ChatService.Tests.Chat;
using ChatService.Tests.Infrastructure;

namespace ChatService.Tests.Sdk;

/// <summary>The console chat in ChatGrpc.Client's README: the same code as the sample project, and it works.</summary>
[TestClass]
public sealed class ChatClientSampleTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static string SampleDirectory => Path.Combine(RepoPaths.Root, "ChatGrpc.Client", "Sample");

    [TestMethod]
    public void Readme_Sample_IsTheSampleProjectsCode()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "ChatGrpc.Client", "README.md"));
        var program = File.ReadAllText(Path.Combine(SampleDirectory, "Program.cs")).TrimEnd();

        StringAssert.Contains(readme, "```csharp\n" + program + "\n```", "the README shows Sample/Program.cs as it is");
        Assert.IsLessThanOrEqualTo(25, program.Split('\n').Length, "a sample a reader takes in at a glance");
    }

    [TestMethod]
    public async Task Sample_JoinedRoom_PrintsOthersMessagesAndStoresItsOwn()
    {
        await using var server = await ChatServerHost.StartAsync();
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();
        var room = await server.CreateRoomAsync(alice);
        await using var bobStream = await server.ConnectAndJoinAsync(bob, room);
        var dll = Path.Combine(SampleDirectory, "bin", RepoPaths.Configuration, "net10.0", "ConsoleChat.dll");

        await using var sample = PeerProcess.Start("dotnet", [dll, $"http://127.0.0.1:{server.GrpcPort}", alice.Name, "password-" + alice.Name, room], input: true);
        await WaitForOutputAsync(sample, "-- Connected");
        var members = await server.Chat.GetMembersAsync(new ChatGrpc.Contracts.V1.GetMembersRequest { Room = room }, bob.Options()).ResponseAsync.WaitAsync(Timeout);
        await bobStream.SendAsync(room, "hello from bob");
        await WaitForOutputAsync(sample, $"[1] {bob.Name}: hello from bob");
        await sample.Input.WriteLineAsync("hello from the sample");
        await sample.Input.FlushAsync();
        await WaitForOutputAsync(sample, "-- stored as #2");
        sample.Input.Close();
        await sample.WaitForExitAsync(Timeout);

        var delivered = await bobStream.WaitForAsync(f => f.Message?.Seq == 2);
        Assert.AreEqual("hello from the sample", delivered.Message.Text);
        Assert.AreEqual(alice.Name, delivered.Message.SenderName);
        Assert.AreEqual(0, sample.ExitCode, sample.Output);
        Assert.IsTrue(members.Members.Any(m => m.UserName == alice.Name), "the sample joined as alice");
    }

    private static async Task WaitForOutputAsync(PeerProcess process, string text)
    {
        using var deadline = new CancellationTokenSource(Timeout);
        while (!process.Output.Contains(text, StringComparison.Ordinal))
        {
            if (process.HasExited)
            {
                Assert.Fail($"the sample exited before printing \"{text}\":\n{process.Output}");
            }

            try
            {
                await Task.Delay(50, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no \"{text}\" within {Timeout.TotalSeconds:0} s:\n{process.Output}");
            }
        }
    }
}
