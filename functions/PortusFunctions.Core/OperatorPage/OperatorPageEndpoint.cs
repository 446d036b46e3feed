using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PortusFunctions.Http;
using PortusFunctions.Storage;

namespace PortusFunctions.OperatorPage;

/// <summary><c>GET /</c> (the operator page) and <c>GET /api/overview</c> (its figures as JSON), both for readers.</summary>
public sealed partial class OperatorPageEndpoint
{
    /// <summary>Path of the page: the site root.</summary>
    public const string PageRoute = "";

    /// <summary>Path of the figures as JSON.</summary>
    public const string OverviewRoute = "api/overview";

    private readonly OperatorOverviewService _overview;
    private readonly ApiAccess _access;
    private readonly ILogger<OperatorPageEndpoint> _logger;

    /// <summary>Creates the endpoint.</summary>
    public OperatorPageEndpoint(OperatorOverviewService overview, ApiAccess access, ILogger<OperatorPageEndpoint> logger)
    {
        _overview = overview;
        _access = access;
        _logger = logger;
    }

    /// <summary>Returns the page; a browser asks for the reader key as the password of HTTP Basic authentication.</summary>
    public async Task<IResult> PageAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (_access.RequireReader(request) is { } denied)
        {
            return denied;
        }

        try
        {
            var overview = await _overview.GetAsync(cancellationToken).ConfigureAwait(false);
            return Results.Content(OperatorPageRenderer.Render(overview), "text/html; charset=utf-8");
        }
        catch (StorageUnavailableException exception)
        {
            LogStorageUnavailable(exception);
            return Results.Content(
                OperatorPageRenderer.RenderUnavailable(exception.Message),
                "text/html; charset=utf-8",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    /// <summary>Returns the figures of the page as JSON.</summary>
    public async Task<IResult> OverviewAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (_access.RequireReader(request) is { } denied)
        {
            return denied;
        }

        try
        {
            var overview = await _overview.GetAsync(cancellationToken).ConfigureAwait(false);
            return Results.Json(OverviewView.From(overview), ApiJson.Api.OverviewView);
        }
        catch (StorageUnavailableException exception)
        {
            LogStorageUnavailable(exception);
            return Problems.StorageUnavailable(exception.Message);
        }
    }

    [LoggerMessage(EventId = 7001, Level = LogLevel.Warning, Message = "Operator page: storage is unavailable")]
    private partial void LogStorageUnavailable(Exception exception);
}
