using System.Security.Cryptography;
using System.Text.Json;

namespace NovaMind.TestInfrastructure;

/// <summary>Fresh random secrets per test run, in the formats production configuration uses.</summary>
public sealed class TestSecrets
{
    public string ActiveKeyId { get; } = "test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    public byte[] TwinKey { get; } = RandomNumberGenerator.GetBytes(32);
    public byte[] JwtKey { get; } = RandomNumberGenerator.GetBytes(64);
    public byte[] PseudonymKey { get; } = RandomNumberGenerator.GetBytes(32);
    public byte[] AuditKey { get; } = RandomNumberGenerator.GetBytes(32);

    public string KeyRingJson => JsonSerializer.Serialize(new
    {
        activeKeyId = ActiveKeyId,
        keys = new[] { new { id = ActiveKeyId, key = Convert.ToBase64String(TwinKey) } },
    });
}
