using System.Collections.Concurrent;

namespace ChatService.Auth;

/// <summary>
/// Sign-ins ended by a logout or by a replayed refresh token. Their access tokens are still signed and
/// unexpired, so every call's token is checked against this list; an entry can go once every token
/// of that sign-in has expired, one access-token lifetime later. On a cluster each node keeps its own
/// list, filled by the signal that ends the sign-in's streams.
/// </summary>
public sealed class RevokedSignIns(AuthOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _until = new();

    public bool IsRevoked(string signIn) =>
        signIn.Length > 0 && _until.TryGetValue(signIn, out var until) && until > time.GetUtcNow();

    public void Revoke(string signIn)
    {
        if (signIn.Length == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        _until[signIn] = now + options.AccessTokenLifetime;
        foreach (var (key, until) in _until)
        {
            if (until <= now)
            {
                _until.TryRemove(KeyValuePair.Create(key, until));
            }
        }
    }
}
