using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.IdentityModel.Tokens;

namespace NovaMind.Gateway.Security;

/// <summary>Limits at the edge (configuration section <c>Edge</c>).</summary>
public sealed class EdgeOptions
{
    /// <summary>Requests per minute per caller (token bucket, refilled every second).</summary>
    public int RequestsPerMinute { get; set; } = 600;
    /// <summary>Model calls (forecast, correlations, predictions, rankings) in flight per patient; more are refused with 429 at once.</summary>
    public int ModelCallsPerPatient { get; set; } = 4;
    /// <summary>Largest request body; larger ones are refused with 413.</summary>
    public long MaxRequestBodyBytes { get; set; } = 16 * 1024 * 1024;
    /// <summary>Longest accepted token lifetime (exp − iat/nbf).</summary>
    public TimeSpan MaxTokenLifetime { get; set; } = TimeSpan.FromHours(12);
    /// <summary>
    /// A patient request that has not completed by then (access check, audit and grain calls together) is answered 503 with
    /// Retry-After; what it started may still complete, as for any 503 (writes are idempotent). Each grain call is also
    /// bounded by <c>Orleans:ResponseTimeout</c>; this bounds their sum.
    /// </summary>
    public TimeSpan RequestDeadline { get; set; } = TimeSpan.FromSeconds(15);
}

public static class EdgeProtection
{
    public const string ModelCallsPolicy = "model-calls-per-patient";

    /// <summary>Per-caller token bucket on every request, and a per-patient concurrency limit on model endpoints; both answer 429 with Retry-After.</summary>
    public static IServiceCollection AddEdgeRateLimits(this IServiceCollection services, EdgeOptions edge)
    {
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                // Health and readiness probes are never limited; the API and the hub are, per caller.
                if (!http.Request.Path.StartsWithSegments("/api") && !http.Request.Path.StartsWithSegments("/hubs"))
                    return RateLimitPartition.GetNoLimiter("probes");
                var caller = http.User.FindFirstValue("sub") ?? http.Connection.RemoteIpAddress?.ToString() ?? "anonymous";
                return RateLimitPartition.GetTokenBucketLimiter(caller, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = edge.RequestsPerMinute,
                    TokensPerPeriod = Math.Max(1, edge.RequestsPerMinute / 60),
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            o.AddPolicy(ModelCallsPolicy, http => RateLimitPartition.GetConcurrencyLimiter(
                http.Request.RouteValues.TryGetValue("id", out var id) ? id as string ?? "" : "",
                _ => new ConcurrencyLimiterOptions { PermitLimit = edge.ModelCallsPerPatient, QueueLimit = 0 }));
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = { Status = 429, Title = "Too many requests", Detail = "rate or concurrency limit reached; retry after the time in Retry-After" },
                });
            };
        });
        return services;
    }

    /// <summary>Responses of the API carry patient data: never cached, never content-sniffed.</summary>
    public static IApplicationBuilder UseNoStoreForPatientData(this IApplicationBuilder app) => app.Use(async (http, next) =>
    {
        if (http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/hubs"))
        {
            http.Response.OnStarting(() =>
            {
                http.Response.Headers.CacheControl = "no-store";
                http.Response.Headers.XContentTypeOptions = "nosniff";
                return Task.CompletedTask;
            });
        }
        await next(http);
    });

    /// <summary>A token must expire, and not live longer than the configured maximum.</summary>
    public static LifetimeValidator LifetimeWithin(TimeSpan max, TimeProvider clock, TimeSpan skew) => (notBefore, expires, token, parameters) =>
    {
        if (expires is not { } exp) return false;
        var now = clock.GetUtcNow().UtcDateTime;
        var start = notBefore ?? (token as Microsoft.IdentityModel.JsonWebTokens.JsonWebToken)?.IssuedAt ?? now;
        if (start == default) start = now;
        return now + skew >= start && now - skew < exp && exp - start <= max;
    };
}

/// <summary>Bodies over the limit (Kestrel's BadHttpRequestException 413) and malformed requests: their own status, never 500.</summary>
internal sealed class BadRequestHandler(IProblemDetailsService problems) : Microsoft.AspNetCore.Diagnostics.IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad) return false;
        context.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Title = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "Request body too large" : "Bad request",
                Detail = bad.StatusCode == StatusCodes.Status413PayloadTooLarge ? "the request body is larger than this API accepts; nothing was stored" : bad.Message,
            },
        });
    }
}
