using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PortusFunctions.Http;

namespace PortusFunctions.FunctionApp.Http;

/// <summary>Receives registry notifications. The function key is required on top of the webhook secret.</summary>
public sealed class RegistryEventsFunction
{
    private readonly WebhookEndpoint _endpoint;

    /// <summary>Creates the function.</summary>
    public RegistryEventsFunction(WebhookEndpoint endpoint)
    {
        _endpoint = endpoint;
    }

    /// <summary>Handles <c>POST /v2/webhooks/events</c>.</summary>
    [Function("RegistryEvents")]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = WebhookEndpoint.Route)] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultAction(await _endpoint.HandleAsync(request, cancellationToken).ConfigureAwait(false));
}
