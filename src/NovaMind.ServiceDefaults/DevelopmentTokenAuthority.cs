using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace NovaMind.ServiceDefaults;

/// <summary>
/// An ES256 token-signing key: the private half signs development and test tokens, the public half is published in a JWKS.
/// </summary>
public sealed class TokenSigningKey : IDisposable
{
    private readonly ECDsa _key;

    private TokenSigningKey(ECDsa key)
    {
        _key = key;
        // The key id is derived from the public key, so a JWKS and a token agree on it without extra bookkeeping.
        KeyId = Base64UrlEncoder.Encode(SHA256.HashData(key.ExportSubjectPublicKeyInfo())[..12]);
        Credentials = new SigningCredentials(new ECDsaSecurityKey(_key) { KeyId = KeyId }, SecurityAlgorithms.EcdsaSha256);
    }

    public string KeyId { get; }
    public SigningCredentials Credentials { get; }

    public static TokenSigningKey Create() => new(ECDsa.Create(ECCurve.NamedCurves.nistP256));

    public static TokenSigningKey FromPem(string pem)
    {
        var key = ECDsa.Create();
        key.ImportFromPem(pem);
        return new TokenSigningKey(key);
    }

    public string ExportPrivateKeyPem() => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>The public key as a JSON Web Key (RFC 7517/7518: kty EC, crv P-256).</summary>
    public Dictionary<string, string> PublicJwk()
    {
        var p = _key.ExportParameters(includePrivateParameters: false);
        return new()
        {
            ["kty"] = "EC", ["crv"] = "P-256", ["use"] = "sig", ["alg"] = "ES256", ["kid"] = KeyId,
            ["x"] = Base64UrlEncoder.Encode(p.Q.X!), ["y"] = Base64UrlEncoder.Encode(p.Q.Y!),
        };
    }

    public void Dispose() => _key.Dispose();
}

/// <summary>
/// The development token authority: an ES256 key, the JWKS with its public half and an OpenID Connect discovery document
/// naming both. The gateway validates development tokens through the same discovery → JWKS → signature path it uses for a
/// production identity provider; only where the documents come from differs (files here, HTTPS there).
/// </summary>
public static class DevelopmentTokenAuthority
{
    public const string Issuer = "novamind-dev";
    public const string Audience = "novamind-api";
    public const string SigningKeyFileName = "signing-key.pem";
    public const string JwksFileName = "jwks.json";
    public const string DiscoveryFileName = "openid-configuration.json";

    public static string JwksJson(params TokenSigningKey[] keys) =>
        JsonSerializer.Serialize(new { keys = keys.Select(k => k.PublicJwk()) });

    /// <summary>The discovery fields a resource server reads (OpenID Connect Discovery 1.0 §3).</summary>
    public static string DiscoveryJson(string issuer, string jwksUri) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["issuer"] = issuer,
        ["jwks_uri"] = jwksUri,
        ["id_token_signing_alg_values_supported"] = new[] { "ES256" },
        ["response_types_supported"] = new[] { "token" },
        ["subject_types_supported"] = new[] { "public" },
    });

    /// <summary>Creates the folder's key and documents when missing (never replaces a key); returns the discovery document's path.</summary>
    public static string EnsureFolder(string folder)
    {
        Directory.CreateDirectory(folder);
        var keyFile = Path.Combine(folder, SigningKeyFileName);
        if (!File.Exists(keyFile))
        {
            using var created = TokenSigningKey.Create();
            File.WriteAllText(keyFile, created.ExportPrivateKeyPem());
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        using var key = LoadSigningKey(folder);
        var jwks = Path.Combine(Path.GetFullPath(folder), JwksFileName);
        File.WriteAllText(jwks, JwksJson(key));
        var discovery = Path.Combine(Path.GetFullPath(folder), DiscoveryFileName);
        File.WriteAllText(discovery, DiscoveryJson(Issuer, jwks));
        return discovery;
    }

    public static TokenSigningKey LoadSigningKey(string folder)
    {
        var keyFile = Path.Combine(folder, SigningKeyFileName);
        return File.Exists(keyFile)
            ? TokenSigningKey.FromPem(File.ReadAllText(keyFile))
            : throw new FileNotFoundException($"no development token-signing key at {keyFile}; run './novamind up' (or './novamind dev init') first");
    }

    /// <summary>A bearer token for <paramref name="subject"/> (omitted when null) with one <c>role</c> claim per role.</summary>
    public static string CreateToken(SigningCredentials credentials, string? subject, IEnumerable<string> roles, DateTime expires,
        string issuer = Issuer, string audience = Audience, DateTime? issuedAt = null)
    {
        var claims = new List<Claim>();
        if (subject is not null) claims.Add(new Claim(JwtRegisteredClaimNames.Sub, subject));
        claims.AddRange(roles.Select(r => new Claim("role", r)));
        var issued = issuedAt ?? (expires < DateTime.UtcNow ? expires.AddHours(-1) : DateTime.UtcNow);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Subject = new ClaimsIdentity(claims),
            NotBefore = issued,
            IssuedAt = issued,
            Expires = expires,
            SigningCredentials = credentials,
        });
    }
}
