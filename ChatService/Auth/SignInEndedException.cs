namespace ChatService.Auth;

/// <summary>A signed, unexpired access token of a sign-in that was ended.</summary>
public sealed class SignInEndedException()
    : Exception("This sign-in has ended (logged out, or its refresh token was used twice, which looks like a stolen copy); log in again.");
