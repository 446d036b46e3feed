using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using PortusFunctions.Webhooks.Api;

namespace PortusFunctions.FunctionApp.Http;

/// <summary>The admin API of webhook subscriptions. The function key is required on top of the admin key that the handlers check.</summary>
public sealed class SubscriptionFunctions
{
    private readonly SubscriptionEndpoints _endpoints;

    /// <summary>Creates the functions.</summary>
    public SubscriptionFunctions(SubscriptionEndpoints endpoints)
    {
        _endpoints = endpoints;
    }

    /// <summary>Handles <c>POST /api/subscriptions</c>.</summary>
    [Function("CreateSubscription")]
    public async Task<IActionResult> CreateAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = SubscriptionEndpoints.CollectionRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultAction(await _endpoints.CreateAsync(request, cancellationToken).ConfigureAwait(false));

    /// <summary>Handles <c>GET /api/subscriptions</c>.</summary>
    [Function("ListSubscriptions")]
    public async Task<IActionResult> ListAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = SubscriptionEndpoints.CollectionRoute)] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ResultAction(await _endpoints.ListAsync(request, cancellationToken).ConfigureAwait(false));

    /// <summary>Handles <c>GET /api/subscriptions/{id}</c>.</summary>
    [Function("GetSubscription")]
    public async Task<IActionResult> GetAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = SubscriptionEndpoints.ItemRoute)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        new ResultAction(await _endpoints.GetAsync(request, id, cancellationToken).ConfigureAwait(false));

    /// <summary>Handles <c>DELETE /api/subscriptions/{id}</c>.</summary>
    [Function("DeleteSubscription")]
    public async Task<IActionResult> DeleteAsync(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = SubscriptionEndpoints.ItemRoute)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        new ResultAction(await _endpoints.DeleteAsync(request, id, cancellationToken).ConfigureAwait(false));

    /// <summary>Handles <c>GET /api/subscriptions/{id}/deliveries</c>.</summary>
    [Function("ListSubscriptionDeliveries")]
    public async Task<IActionResult> ListDeliveriesAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = SubscriptionEndpoints.DeliveriesRoute)] HttpRequest request,
        string id,
        CancellationToken cancellationToken) =>
        new ResultAction(await _endpoints.ListDeliveriesAsync(request, id, cancellationToken).ConfigureAwait(false));
}
