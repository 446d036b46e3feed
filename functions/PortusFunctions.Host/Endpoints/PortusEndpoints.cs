using PortusFunctions.Http;

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
            HealthEndpoint.Route,
            (HttpRequest request, HealthEndpoint endpoint, CancellationToken cancellationToken) => endpoint.CheckAsync(request, cancellationToken));
        routes.MapPost(
            SyncEndpoints.RunRoute,
            (HttpRequest request, SyncEndpoints endpoints, CancellationToken cancellationToken) => endpoints.RunAsync(request, cancellationToken));
        routes.MapGet(
            SyncEndpoints.StatusRoute,
            (HttpRequest request, SyncEndpoints endpoints, CancellationToken cancellationToken) => endpoints.StatusAsync(request, cancellationToken));
        return routes;
    }
}
