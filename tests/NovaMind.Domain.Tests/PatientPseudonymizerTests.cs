using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using NovaMind.Domain.Privacy;

namespace NovaMind.Domain.Tests;

public class PatientPseudonymizerTests
{
    private static readonly byte[] KeyA = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] KeyB = Enumerable.Range(101, 32).Select(i => (byte)i).ToArray();
    private static readonly Guid Alice = Guid.Parse("6f9619ff-8b86-d011-b42d-00c04fc964ff");
    private static readonly Guid Bob = Guid.Parse("0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9");

    [Fact]
    public void SameKeyAndId_GiveTheSamePseudonym_AcrossInstances()
    {
        var first = new PatientPseudonymizer(KeyA).Pseudonym(Alice);
        var second = new PatientPseudonymizer(KeyA.ToArray()).Pseudonym(Alice);

        Assert.Equal(first, second);
    }

    [Fact]
    public void DifferentIds_GiveDifferentPseudonyms()
    {
        var p = new PatientPseudonymizer(KeyA);
        var pseudonyms = Enumerable.Range(0, 1000).Select(_ => p.Pseudonym(Guid.NewGuid())).Append(p.Pseudonym(Alice)).Append(p.Pseudonym(Bob)).ToList();

        Assert.Equal(pseudonyms.Count, pseudonyms.Distinct().Count());
    }

    [Fact]
    public void DifferentKeys_GiveDifferentPseudonyms()
    {
        Assert.NotEqual(new PatientPseudonymizer(KeyA).Pseudonym(Alice), new PatientPseudonymizer(KeyB).Pseudonym(Alice));
    }

    [Fact]
    public void Format_IsPUnderscoreAndSixteenLowercaseHexCharacters()
    {
        var p = new PatientPseudonymizer(KeyA);
        foreach (var id in new[] { Alice, Bob, Guid.Empty, Guid.AllBitsSet })
            Assert.Matches(new Regex("^p_[0-9a-f]{16}$"), p.Pseudonym(id));
    }

    [Fact]
    public void Pseudonym_DoesNotContainTheId()
    {
        var pseudonym = new PatientPseudonymizer(KeyA).Pseudonym(Alice);
        var hex = Alice.ToString("N");

        for (var i = 0; i + 8 <= hex.Length; i++)
            Assert.DoesNotContain(hex.Substring(i, 8), pseudonym, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Pseudonym_IsTheFirst64BitsOfHmacSha256OverTheGuidBytes()
    {
        // Known answer computed independently, so pseudonyms already in logs stay comparable after refactoring.
        using var hmac = new HMACSHA256(KeyA);
        var expected = "p_" + Convert.ToHexStringLower(hmac.ComputeHash(Alice.ToByteArray()), 0, 8);

        Assert.Equal(expected, new PatientPseudonymizer(KeyA).Pseudonym(Alice));
    }

    [Fact]
    public void KeyIsCopied_LaterChangesToTheCallersArrayDoNotMatter()
    {
        var key = KeyA.ToArray();
        var p = new PatientPseudonymizer(key);
        var before = p.Pseudonym(Alice);

        Array.Clear(key);

        Assert.Equal(before, p.Pseudonym(Alice));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(15)]
    public void ShortKeys_AreRejected(int length)
    {
        var ex = Assert.Throws<ArgumentException>(() => new PatientPseudonymizer(new byte[length]));
        Assert.Equal("key", ex.ParamName);
    }

    [Fact]
    public void SixteenByteKey_IsAccepted()
    {
        Assert.Matches("^p_[0-9a-f]{16}$", new PatientPseudonymizer(new byte[16]).Pseudonym(Alice));
    }

    [Fact]
    public void FromSecret_UsesTheSha256OfTheSecretAsKey()
    {
        var fromSecret = PatientPseudonymizer.FromSecret("correct horse battery staple");

        Assert.Equal(new PatientPseudonymizer(SHA256.HashData(Encoding.UTF8.GetBytes("correct horse battery staple"))).Pseudonym(Bob), fromSecret.Pseudonym(Bob));
        Assert.NotEqual(PatientPseudonymizer.FromSecret("another secret").Pseudonym(Bob), fromSecret.Pseudonym(Bob));
    }
}
