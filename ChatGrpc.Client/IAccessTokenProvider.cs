namespace ChatGrpc.Client;

/// <summary>Supplies access tokens for the Connect stream and its in-band refresh.</summary>
public interface IAccessTokenProvider
{
    /// <summary>
    /// A token valid for at least <paramref name="minimumValidity"/> more, refreshing it when the one
    /// held expires sooner. Throw <see cref="ChatClientException"/> with UNAUTHENTICATED when no
    /// token can be had any more (the sign-in ended): the client stops instead of retrying.
    /// </summary>
    ValueTask<string> GetAccessTokenAsync(TimeSpan minimumValidity, CancellationToken cancellationToken);
}
