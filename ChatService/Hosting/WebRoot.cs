using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;

namespace ChatService.Hosting;

/// <summary>The browser client's files: found next to the binary or in the project folder, served compressed and cached safely.</summary>
public static class WebRoot
{
    /// <summary>
    /// wwwroot in the working directory (dotnet run from the project), else the copy next to the
    /// binary, so the page is served whichever folder the server is started from.
    /// </summary>
    public static string Locate()
    {
        var local = Path.Combine(Directory.GetCurrentDirectory(), "wwwroot");
        return Directory.Exists(local) ? local : Path.Combine(AppContext.BaseDirectory, "wwwroot");
    }

    public static WebApplication UseWebClient(this WebApplication app)
    {
        app.UseResponseCompression();
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            OnPrepareResponse = context =>
            {
                // index.html names its bundle by content hash: the page must be revalidated, the bundle never changes.
                var headers = context.Context.Response.Headers;
                headers[HeaderNames.CacheControl] = context.File.Name.EndsWith(".html", StringComparison.Ordinal)
                    ? "no-cache"
                    : "public, max-age=31536000, immutable";
            },
            ContentTypeProvider = new FileExtensionContentTypeProvider(),
        });
        return app;
    }
}
