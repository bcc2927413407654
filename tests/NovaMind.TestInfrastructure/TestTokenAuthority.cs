using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;
using NovaMind.ServiceDefaults;

namespace NovaMind.TestInfrastructure;

/// <summary>
/// An OpenID Connect authority for tests: a real HTTP host serving a discovery document and a JWKS, the way an identity
/// provider does. Gateways under test point <c>Authentication:Authority</c> at it; its published keys can be replaced (rotation).
/// </summary>
public sealed class TestTokenAuthority : IAsyncDisposable
{
    private readonly WebApplication _host;
    private volatile TokenSigningKey[] _published;

    private TestTokenAuthority(WebApplication host, Uri url, TokenSigningKey key)
    {
        _host = host;
        Url = url;
        Key = key;
        _published = [key];
    }

    /// <summary>The issuer (and base address) the discovery document names.</summary>
    public Uri Url { get; }
    public string Issuer => Url.ToString().TrimEnd('/');
    public TokenSigningKey Key { get; }
    public int DiscoveryRequests { get; private set; }

    public static async Task<TestTokenAuthority> StartAsync()
    {
        var url = new Uri($"http://127.0.0.1:{FreePorts.Next()}/");
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(url.ToString());
        builder.Logging.ClearProviders();
        var host = builder.Build();
        var authority = new TestTokenAuthority(host, url, TokenSigningKey.Create());
        host.MapGet("/.well-known/openid-configuration", () =>
        {
            authority.DiscoveryRequests++;
            return Results.Text(DevelopmentTokenAuthority.DiscoveryJson(authority.Issuer, authority.Issuer + "/jwks"), "application/json");
        });
        host.MapGet("/jwks", () => Results.Text(DevelopmentTokenAuthority.JwksJson(authority._published), "application/json"));
        await host.StartAsync();
        return authority;
    }

    /// <summary>Replaces the keys in the JWKS (e.g. old and new during a rotation).</summary>
    public void Publish(params TokenSigningKey[] keys) => _published = keys;

    /// <summary>A token from this authority; <paramref name="credentials"/> (another key or algorithm) forges one.</summary>
    public string Token(string? subject, string role, DateTime? expires = null, SigningCredentials? credentials = null,
        string? issuer = null, string audience = DevelopmentTokenAuthority.Audience) =>
        DevelopmentTokenAuthority.CreateToken(credentials ?? Key.Credentials, subject, [role], expires ?? DateTime.UtcNow.AddHours(1),
            issuer ?? Issuer, audience);

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        await _host.DisposeAsync();
        Key.Dispose();
    }
}
