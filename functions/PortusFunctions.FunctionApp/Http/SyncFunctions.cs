using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PortusFunctions.Http;

namespace PortusFunctions.FunctionApp.Http;

/// <summary>
/// The sync trigger and status. The trigger requires the function key on top of the admin key; the status is anonymous at
/// the Functions level and its handler requires the reader key.
/// </summary>
public sealed class SyncFunctions
{
    private readonly SyncEndpoints _endpoints;

    /// <summary>Creates the functions.</summary>
    public SyncFunctions(SyncEndpoints endpoints)
    {
        _endpoints = endpoints;
    }

    /// <summary>Handles <c>POST /api/sync</c>.</summary>
    [Function("RunSync")]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = SyncEndpoints.RunRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultAction(await _endpoints.RunAsync(request, cancellationToken).ConfigureAwait(false));

    /// <summary>Handles <c>GET /api/sync/status</c>.</summary>
    [Function("SyncStatus")]
    public async Task<IActionResult> StatusAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = SyncEndpoints.StatusRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultAction(await _endpoints.StatusAsync(request, cancellationToken).ConfigureAwait(false));
}
