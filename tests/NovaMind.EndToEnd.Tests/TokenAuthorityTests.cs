using System.Net;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using NovaMind.ServiceDefaults;
using NovaMind.TestInfrastructure;

namespace NovaMind.EndToEnd.Tests;

/// <summary>
/// Tokens are validated against an OpenID Connect authority: the gateways read the test authority's discovery document and
/// JWKS over HTTP, as they would an identity provider's. Only its keys, its issuer, our audience and ES256/RS256 pass.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class TokenAuthorityTests(NovaMindSystemFixture system)
{
    private async Task<HttpStatusCode> ListPatients(string token, Uri? gateway = null)
    {
        using var http = system.Client(gateway, token);
        return (await http.GetAsync("api/patients")).StatusCode;
    }

    [Fact]
    public async Task A_token_from_the_authority_is_accepted_and_forgeries_of_each_kind_are_not()
    {
        Assert.Equal(HttpStatusCode.OK, await ListPatients(system.Token()));

        using var unpublished = TokenSigningKey.Create();
        Assert.Equal(HttpStatusCode.Unauthorized, await ListPatients(system.Token(credentials: unpublished.Credentials)));
        Assert.Equal(HttpStatusCode.Unauthorized, await ListPatients(system.Tokens.Token("dr-e2e", "clinician", issuer: "https://someone-else.example/")));
        Assert.Equal(HttpStatusCode.Unauthorized, await ListPatients(system.Tokens.Token("dr-e2e", "clinician", audience: "another-api")));
        using var rsa = RSA.Create(2048);
        Assert.Equal(HttpStatusCode.Unauthorized, await ListPatients(system.Token(credentials: new SigningCredentials(new RsaSecurityKey(rsa) { KeyId = system.Tokens.Key.KeyId }, SecurityAlgorithms.RsaSha256))));
        var symmetric = new SigningCredentials(new SymmetricSecurityKey(RandomNumberGenerator.GetBytes(32)) { KeyId = system.Tokens.Key.KeyId }, SecurityAlgorithms.HmacSha256);
        Assert.Equal(HttpStatusCode.Unauthorized, await ListPatients(system.Token(credentials: symmetric)));

        // An unsigned token ("alg": "none") carrying the real header's key id.
        var real = system.Token().Split('.');
        var unsignedHeader = Base64UrlEncoder.Encode($$"""{"alg":"none","typ":"JWT","kid":"{{system.Tokens.Key.KeyId}}"}""");
        Assert.Equal(HttpStatusCode.Unauthorized, await ListPatients($"{unsignedHeader}.{real[1]}."));
        // The real signature over a changed payload.
        var otherPayload = system.Token(subject: "dr-someone-else").Split('.')[1];
        Assert.Equal(HttpStatusCode.Unauthorized, await ListPatients($"{real[0]}.{otherPayload}.{real[2]}"));
    }

    [Fact]
    public async Task A_key_the_authority_starts_publishing_is_accepted_without_restarting_the_gateway()
    {
        // A gateway of its own: key refreshes are rate-limited per gateway (one a minute after the first), and other tests
        // present unknown keys. It has read the JWKS (readiness checks it) before the authority publishes the next key.
        var (process, url) = await system.StartExtraGatewayAsync([]);
        await using var _ = process;
        Assert.Equal(HttpStatusCode.OK, await ListPatients(system.Token(), url));
        using var next = TokenSigningKey.Create();
        var rotated = system.Tokens.Token("dr-e2e", "clinician", credentials: next.Credentials);
        try
        {
            system.Tokens.Publish(system.Tokens.Key, next);
            var status = HttpStatusCode.Unauthorized;
            for (var attempt = 0; attempt < 20 && status != HttpStatusCode.OK; attempt++)
            {
                status = await ListPatients(rotated, url);
                if (status != HttpStatusCode.OK) await Task.Delay(500);
            }
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal(HttpStatusCode.OK, await ListPatients(system.Token(), url)); // the old key stays valid while published
        }
        finally
        {
            system.Tokens.Publish(system.Tokens.Key);
        }
    }

    [Fact]
    public async Task The_development_authority_in_local_files_uses_the_same_validation_path()
    {
        var folder = Directory.CreateTempSubdirectory("novamind-oidc-").FullName;
        var discovery = DevelopmentTokenAuthority.EnsureFolder(folder);
        var (process, url) = await system.StartExtraGatewayAsync(new() { ["Authentication__Authority"] = discovery });
        await using var _ = process;
        using var key = DevelopmentTokenAuthority.LoadSigningKey(folder);
        var development = DevelopmentTokenAuthority.CreateToken(key.Credentials, "dr-dev", ["clinician"], DateTime.UtcNow.AddHours(1));
        Assert.Equal(HttpStatusCode.OK, await ListPatients(development, url));
        // Tokens from another authority (here: the test authority) are not valid on this gateway, and its tokens not elsewhere.
        Assert.Equal(HttpStatusCode.Unauthorized, await ListPatients(system.Token(), url));
        Assert.Equal(HttpStatusCode.Unauthorized, await ListPatients(development));
    }
}
