using ChatGrpc.Contracts.V1;
using ChatService.Chat;
using ChatService.Storage;

namespace ChatService.Tests.Domain;

/// <summary>Presence over a user's connections, on a clock the test moves: the grace period, several devices, status text.</summary>
[TestClass]
public sealed class PresenceTrackerTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    [TestMethod]
    public async Task Release_LastConnection_OfflineOnlyOnceTheGracePeriodHasPassed()
    {
        await using var domain = ChatDomain.Create();
        var (alice, bob, room) = await domain.TwoInARoomAsync();
        var bobView = await domain.OpenInAsync(bob, room);
        var aliceSession = domain.Open(alice);
        await bobView.WaitForAsync(f => Is(f, alice, PresenceStatus.Online), "alice online");

        domain.Engine.Release(aliceSession.Session);
        domain.Time.Advance(Grace - TimeSpan.FromMilliseconds(1));
        Assert.AreEqual(PresenceStatus.Online, await StatusAsync(domain, alice), "still inside the grace period");

        domain.Time.Advance(TimeSpan.FromMilliseconds(1));
        var offline = await bobView.WaitForAsync(f => Is(f, alice, PresenceStatus.Offline), "alice offline");

        var wentAt = domain.Time.GetUtcNow();
        Assert.AreEqual(wentAt, offline.Presence.Presence.LastSeen.ToDateTimeOffset(), "last seen is when the grace period ended");
        var stored = await domain.Get<IUserStore>().FindByIdAsync(alice.Id).WaitAsync(ChatDomain.Timeout);
        Assert.AreEqual(wentAt, stored!.LastSeen, "last seen is stored before the room hears of it");
    }

    [TestMethod]
    public async Task Open_AgainWithinTheGracePeriod_StaysOnlineAfterTheOldGraceWouldHaveEnded()
    {
        await using var domain = ChatDomain.Create();
        var (alice, bob, room) = await domain.TwoInARoomAsync();
        var bobView = await domain.OpenInAsync(bob, room);
        var first = domain.Open(alice);
        await bobView.WaitForAsync(f => Is(f, alice, PresenceStatus.Online), "alice online");

        domain.Engine.Release(first.Session);
        domain.Time.Advance(Grace / 2);
        domain.Open(alice);
        domain.Time.Advance(Grace * 3);

        Assert.AreEqual(PresenceStatus.Online, await StatusAsync(domain, alice));
        domain.Presence.Set(alice, PresenceStatus.Away, "back soon");
        await bobView.WaitForAsync(f => Is(f, alice, PresenceStatus.Away), "alice away");
        Assert.IsFalse(bobView.Seen.Any(f => Is(f, alice, PresenceStatus.Offline)), "a reconnect inside the grace period does not flap");
    }

    [TestMethod]
    public async Task Release_OneOfTwoDevices_StaysOnline()
    {
        await using var domain = ChatDomain.Create();
        var (alice, _, _) = await domain.TwoInARoomAsync();
        var phone = domain.Open(alice);
        domain.Open(alice);

        domain.Engine.Release(phone.Session);
        domain.Time.Advance(Grace * 2);

        Assert.AreEqual(PresenceStatus.Online, await StatusAsync(domain, alice));
    }

    [TestMethod]
    public async Task Set_AwayWithText_RoomMembersHearItAndTheUserDoesNot()
    {
        await using var domain = ChatDomain.Create();
        var (alice, bob, room) = await domain.TwoInARoomAsync();
        var aliceView = await domain.OpenInAsync(alice, room);
        var bobView = await domain.OpenInAsync(bob, room);

        domain.Presence.Set(alice, PresenceStatus.Away, "lunch");

        var heard = await bobView.WaitForAsync(f => Is(f, alice, PresenceStatus.Away), "alice away");
        Assert.AreEqual("lunch", heard.Presence.Presence.StatusText);
        Assert.AreEqual(alice.Name, heard.Presence.Presence.UserName);
        Assert.IsFalse(aliceView.Seen.Any(f => Is(f, alice, PresenceStatus.Away)), "nobody is told their own presence");
        Assert.AreEqual("lunch", domain.Presence.Get(new UserRecord(alice.Id, alice.Name, Role.Member, [], [], 0, null)).StatusText);
    }

    [TestMethod]
    public async Task Set_WithNoConnection_IsIgnored()
    {
        await using var domain = ChatDomain.Create();
        var (alice, _, _) = await domain.TwoInARoomAsync();

        domain.Presence.Set(alice, PresenceStatus.Busy, "meeting");

        Assert.AreEqual(PresenceStatus.Offline, await StatusAsync(domain, alice), "presence belongs to connections; a user with none stays offline");
    }

    private static async Task<PresenceStatus> StatusAsync(ChatDomain domain, ChatUser user)
    {
        var record = await domain.Get<IUserStore>().FindByIdAsync(user.Id).WaitAsync(ChatDomain.Timeout);
        return domain.Presence.Get(record!).Status;
    }

    private static bool Is(ServerFrame frame, ChatUser user, PresenceStatus status) =>
        frame.Presence is { Presence: { } presence } && presence.UserId == user.Id && presence.Status == status;
}
