using OpenTelemetry.Trace;
using PortusFunctions.Diagnostics;
using PortusFunctions.Host.Endpoints;
using PortusFunctions.Host.Scheduling;
using PortusFunctions.Hosting;

namespace PortusFunctions.Host;

/// <summary>
/// The app on a plain ASP.NET Core host, for machines without Azure Functions Core Tools: the same routes as the
/// function app, and its timer jobs on the same schedule settings.
/// </summary>
public static class BareMetalHost
{
    /// <summary>Address used when neither <c>--urls</c> nor <c>ASPNETCORE_URLS</c> is given.</summary>
    public const string DefaultUrl = "http://127.0.0.1:7071";

    /// <summary>Builds the host from command-line arguments and environment variables.</summary>
    /// <param name="args">Command-line arguments, such as <c>--urls http://127.0.0.1:7071</c>.</param>
    /// <param name="configure">Changes to the builder before it is built; tests use it to override settings.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        configure?.Invoke(builder);

        builder.Services.AddPortus(builder.Configuration);
        builder.Services.AddPortusTelemetry(
            builder.Configuration,
            telemetry => telemetry.WithTracing(tracing => tracing.AddAspNetCoreInstrumentation()));
        builder.Services.AddHostedService<ScheduledJobRunner>();
        builder.Services.AddProblemDetails();

        var app = builder.Build();

        // Unknown routes and wrong methods get a problem details body instead of an empty one.
        app.UseStatusCodePages();
        app.MapPortusEndpoints();
        return app;
    }
}
