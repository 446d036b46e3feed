using Azure;
using Microsoft.AspNetCore.Http;
using PortusFunctions.Storage;

namespace PortusFunctions.Http;

/// <summary><c>GET /api/health</c>: whether Table Storage is reachable.</summary>
public sealed class HealthEndpoint
{
    /// <summary>Path of the endpoint.</summary>
    public const string Route = "api/health";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    private readonly TableStore _tables;
    private readonly ApiAccess _access;

    /// <summary>Creates the endpoint.</summary>
    public HealthEndpoint(TableStore tables, ApiAccess access)
    {
        _tables = tables;
        _access = access;
    }

    /// <summary>Returns 200 when storage responds within five seconds, and 503 otherwise.</summary>
    public async Task<IResult> CheckAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (_access.RequireReader(request) is { } denied)
        {
            return denied;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await _tables.GetTableAsync(TableNames.Jobs, timeout.Token).ConfigureAwait(false);
            await foreach (var _ in _tables.Service.QueryAsync(maxPerPage: 1, cancellationToken: timeout.Token).AsPages().ConfigureAwait(false))
            {
                break;
            }

            return Results.Json(new HealthResponse("healthy", "reachable", null), ApiJson.Api.HealthResponse);
        }
        catch (Exception exception) when (exception is StorageUnavailableException or RequestFailedException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var detail = exception is OperationCanceledException ? $"Table Storage did not respond within {Timeout.TotalSeconds} s." : exception.Message;
            return Results.Json(
                new HealthResponse("unhealthy", "unreachable", detail),
                ApiJson.Api.HealthResponse,
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
