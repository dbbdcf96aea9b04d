using System.Collections.Concurrent;

namespace ChatService.Chat;

/// <summary>Live sessions by id and by user (a user may have many devices).</summary>
public sealed class SessionRegistry
{
    private readonly ConcurrentDictionary<string, Session> _byId = new();
    private readonly ConcurrentDictionary<string, ImmutableSessions> _byUser = new();

    public int Count => _byId.Count;

    public int UsersOnline => _byUser.Count;

    public IEnumerable<Session> All => _byId.Values;

    /// <summary>Adds a session unless the user already has <paramref name="maxPerUser"/>.</summary>
    public bool TryAdd(Session session, int maxPerUser)
    {
        var admitted = false;
        _byUser.AddOrUpdate(
            session.User.Id,
            _ =>
            {
                admitted = true;
                return new ImmutableSessions([session]);
            },
            (_, existing) =>
            {
                admitted = existing.Items.Length < maxPerUser;
                return admitted ? new ImmutableSessions([.. existing.Items, session]) : existing;
            });
        if (admitted)
        {
            _byId[session.Id] = session;
        }

        return admitted;
    }

    public void Remove(Session session)
    {
        _byId.TryRemove(session.Id, out _);
        while (_byUser.TryGetValue(session.User.Id, out var existing))
        {
            var remaining = existing.Items.Where(s => s != session).ToArray();
            var done = remaining.Length == 0
                ? _byUser.TryRemove(KeyValuePair.Create(session.User.Id, existing))
                : _byUser.TryUpdate(session.User.Id, new ImmutableSessions(remaining), existing);
            if (done)
            {
                return;
            }
        }
    }

    public Session? Find(string sessionId) => _byId.GetValueOrDefault(sessionId);

    public IReadOnlyList<Session> OfUser(string userId) =>
        _byUser.TryGetValue(userId, out var sessions) ? sessions.Items : [];

    private sealed record ImmutableSessions(Session[] Items);
}
