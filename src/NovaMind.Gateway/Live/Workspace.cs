using Microsoft.Extensions.FileProviders;

namespace NovaMind.Gateway.Live;

/// <summary>
/// The clinician workspace (<c>/workspace/</c>): static HTML, CSS and JavaScript with vendored libraries, calling the
/// same API and hub as every other client. The files hold no patient data, so they are public; everything they show
/// comes from authorised API calls. A strict content security policy allows nothing but this origin.
/// </summary>
public static class Workspace
{
    public const string Path = "/workspace";

    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; " +
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

    public static IApplicationBuilder UseClinicianWorkspace(this WebApplication app)
    {
        var root = System.IO.Path.Combine(AppContext.BaseDirectory, "wwwroot", "workspace");
        if (!Directory.Exists(root)) return app; // a build without the workspace files still serves the API
        var files = new PhysicalFileProvider(root);
        app.Use(async (http, next) =>
        {
            if (http.Request.Path.StartsWithSegments(Path))
            {
                http.Response.OnStarting(() =>
                {
                    http.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                    http.Response.Headers.XContentTypeOptions = "nosniff";
                    http.Response.Headers["Referrer-Policy"] = "no-referrer";
                    http.Response.Headers.CacheControl = "no-cache";
                    return Task.CompletedTask;
                });
            }
            await next(http);
        });
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = Path });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files, RequestPath = Path });
        return app;
    }
}
