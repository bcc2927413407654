using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace NovaMind.ServiceDefaults;

/// <summary>
/// In the Production environment a service refuses to start with development settings: the Azurite development storage
/// account, secrets read from the development folder (.novamind/), or the development token authority. Each problem is named.
/// </summary>
public static class ProductionGuard
{
    private static readonly string[] SecretFileKeys = ["Encryption:KeyRingFile", "Privacy:PseudonymKeyFile", "Audit:CheckpointKeyFile"];

    public static IReadOnlyList<string> DevelopmentSettings(IConfiguration configuration, bool checkTokenAuthority)
    {
        var problems = new List<string>();
        try { problems.AddRange(StorageAccount.FromConfiguration(configuration).ProductionProblems()); }
        catch (InvalidOperationException ex) { problems.Add(ex.Message); }
        foreach (var key in SecretFileKeys)
        {
            var file = configuration[key];
            if (!string.IsNullOrWhiteSpace(file) && file.Replace('\\', '/').Split('/').Contains(".novamind"))
                problems.Add($"{key} points into the development secrets folder (.novamind/); production secrets come from a secret store or mount");
        }
        if (string.Equals(configuration["Access:VerifyClientCalls"], "false", StringComparison.OrdinalIgnoreCase))
            problems.Add("Access:VerifyClientCalls is false; the silo must check every client call on patient data");
        if (checkTokenAuthority)
        {
            var authority = configuration["Authentication:Authority"];
            if (!Uri.TryCreate(authority, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
                problems.Add("Authentication:Authority is not an HTTPS identity provider (it is missing, or the development authority's local documents); production tokens come from the organisation's OpenID Connect provider");
            if (string.Equals(configuration["Authentication:RequireHttpsMetadata"], "false", StringComparison.OrdinalIgnoreCase))
                problems.Add("Authentication:RequireHttpsMetadata is false; signing keys must come over HTTPS");
        }
        return problems;
    }

    /// <summary>True (after printing every problem) when this is Production and development settings are in use: the caller exits with 2.</summary>
    public static bool RefusesToStart(IHostEnvironment environment, IConfiguration configuration, string service, bool checkTokenAuthority)
    {
        if (!environment.IsProduction()) return false;
        var problems = DevelopmentSettings(configuration, checkTokenAuthority);
        foreach (var p in problems) Console.Error.WriteLine($"{service}: refusing to start in Production: {p}");
        return problems.Count > 0;
    }
}
