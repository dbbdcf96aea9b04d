using ChatGrpc.Contracts.V1;
using ChatService.Tests.Chat;
using Grpc.Core;

namespace ChatService.Tests.Api;

/// <summary>Password guessing stops after a few tries per account and per address, and floods of logins queue briefly or are refused.</summary>
[TestClass]
public sealed class LoginThrottleTests
{
    [TestMethod]
    public async Task Login_WrongPasswordsBeyondAccountAllowance_RefusedWithRetryAfterEvenForRightPassword()
    {
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Auth:AccountFailures:Burst"] = "3",
            ["Auth:AccountFailures:PerMinute"] = "0.1",
        });
        var alice = await server.RegisterAsync();
        var bob = await server.RegisterAsync();

        var wrong = new List<StatusCode>();
        for (var i = 0; i < 3; i++)
        {
            wrong.Add((await LoginFailureAsync(server, alice.Name, "not her password")).StatusCode);
        }

        var locked = await LoginFailureAsync(server, alice.Name, "password-" + alice.Name);
        var otherAccount = await LoginAsync(server, bob.Name, "password-" + bob.Name);

        CollectionAssert.AreEqual(Enumerable.Repeat(StatusCode.Unauthenticated, 3).ToArray(), wrong);
        Assert.AreEqual(StatusCode.ResourceExhausted, locked.StatusCode, "locked even with the right password: a guess must not tell");
        StringAssert.Contains(locked.Status.Detail, "try again in");
        Assert.IsTrue(long.Parse(locked.Trailers.GetValue("retry-after-ms")!) > 0);
        Assert.AreEqual(bob.User.Id, otherAccount.User.Id, "another account from the same address is not locked");
    }

    [TestMethod]
    public async Task Login_ManyAccountsGuessedFromOneAddress_AddressLocked()
    {
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Auth:AddressFailures:Burst"] = "4",
            ["Auth:AddressFailures:PerMinute"] = "0.1",
        });
        var alice = await server.RegisterAsync();

        var guesses = new List<StatusCode>();
        foreach (var name in new[] { "nobody1", "nobody2", "nobody3", "nobody4" })
        {
            guesses.Add((await LoginFailureAsync(server, name, "guess-guess")).StatusCode);
        }

        var locked = await LoginFailureAsync(server, alice.Name, "password-" + alice.Name);
        var taken = await Assert.ThrowsExactlyAsync<RpcException>(() => server.Auth.RegisterAsync(
            new RegisterRequest { UserName = alice.Name, Password = "long enough" }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout));

        CollectionAssert.AreEqual(Enumerable.Repeat(StatusCode.Unauthenticated, 4).ToArray(), guesses);
        Assert.AreEqual(StatusCode.ResourceExhausted, locked.StatusCode);
        Assert.AreEqual(StatusCode.ResourceExhausted, taken.StatusCode, "probing names by registering is throttled by the same address allowance");
    }

    [TestMethod]
    public async Task Login_FloodBeyondHashQueue_RefusedQuicklyAsBusy()
    {
        await using var server = await ChatServerHost.StartAsync(new Dictionary<string, string?>
        {
            // Slow hashes (tens of ms each) and no queue: of many logins at once, only one hashes at a time.
            ["Auth:PasswordIterations"] = "100000",
            ["Auth:ConcurrentPasswordHashes"] = "1",
            ["Auth:PasswordHashQueue"] = "0",
            ["Auth:AccountFailures:Burst"] = "1000",
        });
        var alice = await server.RegisterAsync();

        var attempts = Enumerable.Range(0, 12).Select(_ => LoginFailureAsync(server, alice.Name, "wrong-password")).ToArray();
        var outcomes = await Task.WhenAll(attempts).WaitAsync(ChatServerHost.Timeout);
        var busy = outcomes.Where(e => e.StatusCode == StatusCode.ResourceExhausted).ToList();

        Assert.IsTrue(busy.Count > 0, string.Join(", ", outcomes.Select(e => e.StatusCode)));
        Assert.IsTrue(outcomes.Any(e => e.StatusCode == StatusCode.Unauthenticated), "the one that got a hash was answered");
        Assert.IsTrue(busy.All(e => e.Status.Detail.Contains("busy", StringComparison.Ordinal)), busy[0].Status.Detail);
    }

    private static async Task<LoginResponse> LoginAsync(ChatServerHost server, string name, string password) =>
        await server.Auth.LoginAsync(new LoginRequest { UserName = name, Password = password }, ChatServerHost.Options()).ResponseAsync.WaitAsync(ChatServerHost.Timeout);

    private static Task<RpcException> LoginFailureAsync(ChatServerHost server, string name, string password) =>
        Assert.ThrowsExactlyAsync<RpcException>(() => LoginAsync(server, name, password));
}
