using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using NovaMind.Gateway.Live;

namespace NovaMind.Gateway.Security;

/// <summary>
/// Bearer tokens from an OpenID Connect authority. <c>Authentication:Authority</c> is the issuer URL (its discovery document
/// at <c>/.well-known/openid-configuration</c>, keys from the JWKS it names) or, outside Production, the path of a local
/// discovery document (what './novamind up' writes). Only RS256/ES256 signatures, a <c>sub</c>, the authority's issuer,
/// <c>Authentication:Audience</c> and a bounded lifetime are accepted; failures carry no details.
/// </summary>
public sealed class TokenAuthorityOptions
{
    public string? Authority { get; set; }
    public string Audience { get; set; } = "novamind-api";
    /// <summary>Discovery and JWKS over HTTPS only; Production refuses to turn this off.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public static readonly string[] Algorithms = [SecurityAlgorithms.RsaSha256, SecurityAlgorithms.EcdsaSha256];

    public const string HowToConfigure =
        "set Authentication:Authority to the OpenID Connect issuer URL of your identity provider (and Authentication:Audience); './novamind up' configures the local development authority it writes in .novamind/oidc/";

    public bool IsLocalFile => !string.IsNullOrWhiteSpace(Authority) && (!Uri.TryCreate(Authority, UriKind.Absolute, out var uri) || uri.IsFile);

    public string MetadataAddress => IsLocalFile ? Path.GetFullPath(Authority!) : Authority!.TrimEnd('/') + "/.well-known/openid-configuration";

    /// <summary>The problems that prevent validating tokens at all (empty when usable).</summary>
    public IReadOnlyList<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Authority)) return [$"no token authority configured: {HowToConfigure}"];
        if (IsLocalFile && !File.Exists(MetadataAddress)) return [$"the discovery document {MetadataAddress} (Authentication:Authority) does not exist: {HowToConfigure}"];
        if (!IsLocalFile && new Uri(Authority!).Scheme != Uri.UriSchemeHttps && RequireHttpsMetadata)
            return [$"Authentication:Authority {Authority} is not HTTPS; keys must come over HTTPS (Authentication:RequireHttpsMetadata=false is for tests only)"];
        return [];
    }

    public IConfigurationManager<OpenIdConnectConfiguration> CreateConfigurationManager() =>
        new ConfigurationManager<OpenIdConnectConfiguration>(
            MetadataAddress,
            new OpenIdConnectConfigurationRetriever(),
            IsLocalFile ? new FileDocumentRetriever() : new HttpDocumentRetriever { RequireHttps = RequireHttpsMetadata })
        {
            // New signing keys (rotation at the provider) are picked up within minutes; unknown key ids trigger a refresh.
            AutomaticRefreshInterval = TimeSpan.FromHours(1),
            RefreshInterval = TimeSpan.FromMinutes(1),
        };
}

public static class TokenAuthentication
{
    public static void AddNovaMindTokenAuthentication(this IServiceCollection services, TokenAuthorityOptions authority, TimeSpan maxLifetime)
    {
        var configurationManager = authority.CreateConfigurationManager();
        services.AddSingleton(configurationManager);
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(o =>
        {
            o.ConfigurationManager = configurationManager;
            o.RequireHttpsMetadata = authority.RequireHttpsMetadata;
            o.MapInboundClaims = false;
            o.IncludeErrorDetails = false; // no validation details in WWW-Authenticate
            o.RefreshOnIssuerKeyNotFound = true;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidAlgorithms = TokenAuthorityOptions.Algorithms,
                RequireSignedTokens = true,
                RequireExpirationTime = true,
                RequireAudience = true,
                ValidateIssuer = true, // the valid issuer is the one the discovery document names
                ValidateIssuerSigningKey = true,
                ValidAudience = authority.Audience,
                LifetimeValidator = EdgeProtection.LifetimeWithin(maxLifetime, TimeProvider.System, TimeSpan.FromSeconds(30)),
                NameClaimType = "sub",
                RoleClaimType = "role",
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            // Browsers cannot set headers on WebSocket requests: the hub takes the token from the query string.
            o.Events = new JwtBearerEvents
            {
                OnMessageReceived = ctx =>
                {
                    if (ctx.HttpContext.Request.Path.StartsWithSegments(TwinsHub.Path) && ctx.Request.Query["access_token"] is { Count: > 0 } token)
                        ctx.Token = token;
                    return Task.CompletedTask;
                },
                // Every refused token (or missing one) on the API is an access attempt too: recorded without a subject.
                OnChallenge = ctx => AuditTrail.RecordUnauthenticatedAsync(ctx.HttpContext, ctx.AuthenticateFailure),
            };
        });
    }
}

/// <summary>Ready only when the authority's discovery document and signing keys can be read: otherwise no request could be authenticated.</summary>
internal sealed class TokenAuthorityReadyCheck(IConfigurationManager<OpenIdConnectConfiguration> configuration) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var document = await configuration.GetConfigurationAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return document.SigningKeys.Count > 0
                ? HealthCheckResult.Healthy($"{document.SigningKeys.Count} signing key(s) from {document.Issuer}")
                : HealthCheckResult.Unhealthy("the token authority publishes no signing keys");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("token authority unreachable", ex);
        }
    }
}
