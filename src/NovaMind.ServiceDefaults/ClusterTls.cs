using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Orleans.Connections.Security;
using Orleans.Hosting;

namespace NovaMind.ServiceDefaults;

/// <summary>
/// Mutual TLS between silos and from gateways to silos: every process presents a certificate issued by the cluster's own
/// authority and accepts only peers whose certificate chains to that authority (custom trust: the machine's public roots
/// are not trusted for this). Configuration: <c>Orleans:Tls:CertificateFile</c> (PKCS#12 with the private key),
/// <c>Orleans:Tls:CertificatePassword</c> (optional), <c>Orleans:Tls:AuthorityFile</c> (the authority's PEM certificate).
/// </summary>
public sealed class ClusterTls(X509Certificate2 node, X509Certificate2 authority)
{
    public X509Certificate2 Node { get; } = node;
    public X509Certificate2 Authority { get; } = authority;

    /// <summary>The name peers present and expect; identity comes from the issuing authority, not from host names.</summary>
    public const string NodeName = "node.novamind.cluster";

    public const string HowToProvide =
        "Configure Orleans:Tls:CertificateFile (PKCS#12 with its key), Orleans:Tls:AuthorityFile (PEM) and optionally Orleans:Tls:CertificatePassword; './novamind dev init' creates a development authority and node certificate.";

    public static ClusterTls Load(IConfiguration configuration)
    {
        var certificateFile = configuration["Orleans:Tls:CertificateFile"];
        var authorityFile = configuration["Orleans:Tls:AuthorityFile"];
        if (string.IsNullOrWhiteSpace(certificateFile) || string.IsNullOrWhiteSpace(authorityFile))
            throw new InvalidOperationException($"No cluster TLS certificates are configured, so the cluster cannot authenticate its members. {HowToProvide}");
        foreach (var file in new[] { certificateFile, authorityFile })
            if (!File.Exists(file)) throw new InvalidOperationException($"cluster TLS file {file} does not exist. {HowToProvide}");
        var node = X509CertificateLoader.LoadPkcs12FromFile(certificateFile, configuration["Orleans:Tls:CertificatePassword"]);
        if (!node.HasPrivateKey) throw new InvalidOperationException($"{certificateFile} has no private key. {HowToProvide}");
        return new ClusterTls(node, X509Certificate2.CreateFromPem(File.ReadAllText(authorityFile)));
    }

    /// <summary>True when <paramref name="remote"/> chains to the cluster authority (and only to it) and is valid now.</summary>
    public bool Trusts(X509Certificate2? remote)
    {
        if (remote is null) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(remote) && chain.ChainElements[^1].Certificate.Thumbprint == Authority.Thumbprint;
    }

    private void Configure(TlsOptions options)
    {
        options.LocalCertificate = Node;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        // Host names are not what identifies a member here: the certificate's issuer is. Chain errors are judged by Trusts.
        options.RemoteCertificateValidation = (certificate, _, _) => Trusts(certificate);
        options.OnAuthenticateAsClient = (_, ssl) => ssl.TargetHost = NodeName;
    }

    public void ApplyTo(ISiloBuilder silo) => silo.UseTls(Node, Configure);

    public void ApplyTo(IClientBuilder client) => client.UseTls(Node, Configure);

    /// <summary>A new authority and a node certificate it issued (development and tests; production brings its own).</summary>
    public static (byte[] NodePkcs12, string AuthorityPem) CreateDevelopment(string clusterName = "novamind-dev", TimeSpan? validity = null)
    {
        var lifetime = validity ?? TimeSpan.FromDays(365);
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest($"CN={clusterName} cluster authority", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now, now + lifetime + TimeSpan.FromDays(1));

        using var nodeKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var nodeRequest = new CertificateRequest($"CN={clusterName} node", nodeKey, HashAlgorithmName.SHA256);
        nodeRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        nodeRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        nodeRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        var sans = new SubjectAlternativeNameBuilder();
        sans.AddDnsName(NodeName);
        nodeRequest.CertificateExtensions.Add(sans.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        using var issued = nodeRequest.Create(ca, now, now + lifetime, serial);
        using var node = issued.CopyWithPrivateKey(nodeKey);
        return (node.Export(X509ContentType.Pkcs12), ca.ExportCertificatePem());
    }
}
