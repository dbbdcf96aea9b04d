using System.Security.Cryptography;

namespace ChatService.Auth;

/// <summary>PBKDF2-HMAC-SHA512 with a per-user random salt; the iteration count is stored per hash so it can rise later.</summary>
public static class PasswordHasher
{
    private const int SaltBytes = 16;
    private const int HashBytes = 32;

    public static (byte[] Hash, byte[] Salt) Hash(string password, int iterations)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltBytes);
        return (Derive(password, salt, iterations), salt);
    }

    /// <summary>A salt no account has, for <see cref="Spend"/>.</summary>
    private static readonly byte[] NobodysSalt = RandomNumberGenerator.GetBytes(SaltBytes);

    public static bool Verify(string password, byte[] hash, byte[] salt, int iterations) =>
        CryptographicOperations.FixedTimeEquals(Derive(password, salt, iterations), hash);

    /// <summary>Costs what <see cref="Verify"/> costs, with no account to check: an unknown name answers as slowly as a wrong password.</summary>
    public static void Spend(string password, int iterations) => _ = Derive(password, NobodysSalt, iterations);

    private static byte[] Derive(string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName.SHA512, HashBytes);
}
