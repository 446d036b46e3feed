using PortusFunctions.Http;
using PortusFunctions.OperatorPage;
using PortusFunctions.Webhooks.Api;

namespace PortusFunctions.Host.Endpoints;

/// <summary>Routes of the bare-metal host; each hands the request to the handler the function app also uses.</summary>
public static class PortusEndpoints
{
    /// <summary>Maps every route of the app.</summary>
    public static IEndpointRouteBuilder MapPortusEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(
            WebhookEndpoint.Route,
            (HttpRequest request, WebhookEndpoint endpoint, CancellationToken cancellationToken) => endpoint.HandleAsync(request, cancellationToken));
        routes.MapGet(
            RepositoryEndpoints.ListRoute,
            (HttpRequest request, RepositoryEndpoints endpoints, CancellationToken cancellationToken) => endpoints.ListAsync(request, cancellationToken));
        routes.MapGet(
            RepositoryEndpoints.TagsRoute,
            (HttpRequest request, RepositoryEndpoints endpoints, CancellationToken cancellationToken) => endpoints.TagsAsync(request, cancellationToken));
        routes.MapGet(
            VulnerabilityEndpoint.Route,
            (HttpRequest request, VulnerabilityEndpoint endpoint, CancellationToken cancellationToken) => endpoint.GetAsync(request, cancellationToken));
        routes.MapGet(
            HealthEndpoint.Route,
            (HttpRequest request, HealthEndpoint endpoint, CancellationToken cancellationToken) => endpoint.CheckAsync(request, cancellationToken));
        routes.MapGet(
            "/",
            (HttpRequest request, OperatorPageEndpoint endpoint, CancellationToken cancellationToken) => endpoint.PageAsync(request, cancellationToken));
        routes.MapGet(
            OperatorPageEndpoint.OverviewRoute,
            (HttpRequest request, OperatorPageEndpoint endpoint, CancellationToken cancellationToken) => endpoint.OverviewAsync(request, cancellationToken));
        routes.MapPost(
            SubscriptionEndpoints.CollectionRoute,
            (HttpRequest request, SubscriptionEndpoints endpoints, CancellationToken cancellationToken) => endpoints.CreateAsync(request, cancellationToken));
        routes.MapGet(
            SubscriptionEndpoints.CollectionRoute,
            (HttpRequest request, SubscriptionEndpoints endpoints, CancellationToken cancellationToken) => endpoints.ListAsync(request, cancellationToken));
        routes.MapGet(
            SubscriptionEndpoints.ItemRoute,
            (HttpRequest request, string id, SubscriptionEndpoints endpoints, CancellationToken cancellationToken) => endpoints.GetAsync(request, id, cancellationToken));
        routes.MapDelete(
            SubscriptionEndpoints.ItemRoute,
            (HttpRequest request, string id, SubscriptionEndpoints endpoints, CancellationToken cancellationToken) => endpoints.DeleteAsync(request, id, cancellationToken));
        routes.MapGet(
            SubscriptionEndpoints.DeliveriesRoute,
            (HttpRequest request, string id, SubscriptionEndpoints endpoints, CancellationToken cancellationToken) => endpoints.ListDeliveriesAsync(request, id, cancellationToken));
        routes.MapPost(
            SyncEndpoints.RunRoute,
            (HttpRequest request, SyncEndpoints endpoints, CancellationToken cancellationToken) => endpoints.RunAsync(request, cancellationToken));
        routes.MapGet(
            SyncEndpoints.StatusRoute,
            (HttpRequest request, SyncEndpoints endpoints, CancellationToken cancellationToken) => endpoints.StatusAsync(request, cancellationToken));
        return routes;
    }
}
