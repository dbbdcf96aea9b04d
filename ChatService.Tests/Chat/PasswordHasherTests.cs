using ChatService.Auth;

namespace ChatService.Tests.Chat;

[TestClass]
public sealed class PasswordHasherTests
{
    [TestMethod]
    public void Defaults_Pbkdf2Iterations_AtLeast100k()
    {
        Assert.IsTrue(new AuthOptions().PasswordIterations >= 100_000);
    }

    [TestMethod]
    public void Hash_SamePasswordTwice_DifferentSaltsAndBothVerify()
    {
        var (hash1, salt1) = PasswordHasher.Hash("correct horse", 1000);
        var (hash2, salt2) = PasswordHasher.Hash("correct horse", 1000);

        CollectionAssert.AreNotEqual(salt1, salt2);
        CollectionAssert.AreNotEqual(hash1, hash2);
        Assert.IsTrue(PasswordHasher.Verify("correct horse", hash1, salt1, 1000));
        Assert.IsFalse(PasswordHasher.Verify("correct horse!", hash1, salt1, 1000));
    }
}
