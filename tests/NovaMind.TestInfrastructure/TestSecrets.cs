using System.Security.Cryptography;
using System.Text.Json;

namespace NovaMind.TestInfrastructure;

/// <summary>Fresh random secrets per test run, in the formats production configuration uses.</summary>
public sealed class TestSecrets
{
    public string ActiveKeyId { get; } = "test-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    public byte[] TwinKey { get; } = RandomNumberGenerator.GetBytes(32);
    public byte[] PseudonymKey { get; } = RandomNumberGenerator.GetBytes(32);
    public byte[] AuditKey { get; } = RandomNumberGenerator.GetBytes(32);

    private readonly Lazy<(string Certificate, string Authority)> _clusterTls = new(() => WriteClusterCertificates("cluster"));

    /// <summary>This run's cluster authority and node certificate, as files (Orleans:Tls:CertificateFile / AuthorityFile).</summary>
    public string ClusterCertificateFile => _clusterTls.Value.Certificate;
    public string ClusterAuthorityFile => _clusterTls.Value.Authority;

    /// <summary>A certificate from a different authority: what a rogue process would present.</summary>
    public static (string Certificate, string Authority) WriteClusterCertificates(string name)
    {
        var (pkcs12, authorityPem) = NovaMind.ServiceDefaults.ClusterTls.CreateDevelopment($"test-{name}");
        var folder = Directory.CreateTempSubdirectory("novamind-tls-").FullName;
        var certificate = Path.Combine(folder, "node.pfx");
        var authority = Path.Combine(folder, "authority.pem");
        File.WriteAllBytes(certificate, pkcs12);
        File.WriteAllText(authority, authorityPem);
        return (certificate, authority);
    }

    public string KeyRingJson => JsonSerializer.Serialize(new
    {
        activeKeyId = ActiveKeyId,
        keys = new[] { new { id = ActiveKeyId, key = Convert.ToBase64String(TwinKey) } },
    });
}
