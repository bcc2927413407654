using System.Security.Cryptography;
using System.Text.Json;

namespace NovaMind.Cli;

/// <summary>
/// Development secrets kept in a git-ignored folder (default <c>.novamind/</c>): the twin-state key ring,
/// the development token authority's signing key and the log-pseudonym key. Production supplies these through configuration.
/// </summary>
public sealed class DevSecrets(string home)
{
    public string Home { get; } = Path.GetFullPath(home);
    public string KeyRingFile => Path.Combine(Home, "keyring.json");
    /// <summary>The development token authority: ES256 signing key, JWKS and discovery document (the gateway's Authentication:Authority).</summary>
    public string TokenAuthorityFolder => Path.Combine(Home, "oidc");
    public string TokenAuthorityDiscoveryFile => Path.Combine(TokenAuthorityFolder, NovaMind.ServiceDefaults.DevelopmentTokenAuthority.DiscoveryFileName);
    public string PseudonymKeyFile => Path.Combine(Home, "pseudonym.key");
    /// <summary>The audit chain's checkpoint (HMAC) key, separate from the data keys.</summary>
    public string AuditKeyFile => Path.Combine(Home, "audit-checkpoint.key");
    /// <summary>The development cluster authority and the node certificate it issued (Orleans mutual TLS).</summary>
    public string ClusterCertificateFile => Path.Combine(Home, "cluster-node.pfx");
    public string ClusterAuthorityFile => Path.Combine(Home, "cluster-authority.pem");

    /// <summary>Creates whichever secret is missing; never overwrites one (existing data stays readable).</summary>
    public IReadOnlyList<string> EnsureCreated()
    {
        Directory.CreateDirectory(Home);
        var created = new List<string>();
        if (!File.Exists(KeyRingFile))
        {
            var keyRing = new
            {
                activeKeyId = $"dev-{DateTime.UtcNow:yyyyMMdd}",
                keys = new[] { new { id = $"dev-{DateTime.UtcNow:yyyyMMdd}", key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) } },
            };
            WriteSecret(KeyRingFile, JsonSerializer.Serialize(keyRing, new JsonSerializerOptions { WriteIndented = true }));
            created.Add(KeyRingFile);
        }
        var hadTokenKey = File.Exists(Path.Combine(TokenAuthorityFolder, NovaMind.ServiceDefaults.DevelopmentTokenAuthority.SigningKeyFileName));
        NovaMind.ServiceDefaults.DevelopmentTokenAuthority.EnsureFolder(TokenAuthorityFolder);
        if (!hadTokenKey) created.Add(TokenAuthorityFolder);
        if (!File.Exists(PseudonymKeyFile)) { WriteSecret(PseudonymKeyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))); created.Add(PseudonymKeyFile); }
        if (!File.Exists(AuditKeyFile)) { WriteSecret(AuditKeyFile, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))); created.Add(AuditKeyFile); }
        if (!File.Exists(ClusterCertificateFile) || !File.Exists(ClusterAuthorityFile))
        {
            var (pkcs12, authority) = NovaMind.ServiceDefaults.ClusterTls.CreateDevelopment();
            File.WriteAllBytes(ClusterCertificateFile, pkcs12);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(ClusterCertificateFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(ClusterAuthorityFile, authority);
            created.Add(ClusterCertificateFile);
            created.Add(ClusterAuthorityFile);
        }
        return created;
    }

    public NovaMind.ServiceDefaults.TokenSigningKey TokenSigningKey() => NovaMind.ServiceDefaults.DevelopmentTokenAuthority.LoadSigningKey(TokenAuthorityFolder);

    private static void WriteSecret(string path, string content)
    {
        File.WriteAllText(path, content);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
