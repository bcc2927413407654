using NovaMind.ServiceDefaults;

namespace NovaMind.Cli;

/// <summary>Issues development bearer tokens, signed (ES256) by the development token authority whose JWKS the gateway reads.</summary>
public static class DevTokens
{
    public static string Create(DevSecrets secrets, string subject, IEnumerable<string> roles, TimeSpan lifetime)
    {
        using var key = secrets.TokenSigningKey();
        return DevelopmentTokenAuthority.CreateToken(key.Credentials, subject, roles, DateTime.UtcNow + lifetime);
    }
}
