using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PortusFunctions.OperatorPage;

namespace PortusFunctions.FunctionApp.Http;

/// <summary>The operator page and its figures as JSON. Anonymous at the Functions level: the handlers require the reader key.</summary>
public sealed class OperatorPageFunctions
{
    private readonly OperatorPageEndpoint _endpoint;

    /// <summary>Creates the functions.</summary>
    public OperatorPageFunctions(OperatorPageEndpoint endpoint)
    {
        _endpoint = endpoint;
    }

    /// <summary>Handles <c>GET /</c>.</summary>
    [Function("OperatorPage")]
    public async Task<IActionResult> PageAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OperatorPageEndpoint.PageRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultAction(await _endpoint.PageAsync(request, cancellationToken).ConfigureAwait(false));

    /// <summary>Handles <c>GET /api/overview</c>.</summary>
    [Function("Overview")]
    public async Task<IActionResult> OverviewAsync(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = OperatorPageEndpoint.OverviewRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultAction(await _endpoint.OverviewAsync(request, cancellationToken).ConfigureAwait(false));
}
