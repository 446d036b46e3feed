using System.Net.Sockets;
using Azure;

namespace PortusFunctions.Storage;

/// <summary>Classifies Table Storage failures into transient outages and request errors.</summary>
public static class StorageFailure
{
    /// <summary>Whether <paramref name="exception"/> means storage is unreachable or failing, not that the request was wrong.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        StorageUnavailableException => true,
        RequestFailedException failed => failed.Status is 0 or 408 or 429 or >= 500 || IsTableNotFound(failed),
        HttpRequestException or SocketException or TimeoutException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Any(IsTransient),
        _ => exception.InnerException is not null && IsTransient(exception.InnerException),
    };

    /// <summary>Whether the failure is a 412 on a stale ETag.</summary>
    public static bool IsPreconditionFailed(Exception exception) =>
        exception is RequestFailedException { Status: 412 };

    /// <summary>Whether the failure is a 409 on an insert of an entity that exists.</summary>
    public static bool IsConflict(Exception exception) =>
        exception is RequestFailedException { Status: 409 };

    /// <summary>
    /// Whether the failure is a 404 because the table itself does not exist. That counts as transient: the table
    /// was deleted under the app, and <see cref="TableStore"/> creates it again on a later call.
    /// </summary>
    public static bool IsTableNotFound(Exception exception) =>
        exception is RequestFailedException { Status: 404, ErrorCode: "TableNotFound" };

    /// <summary>Whether the failure is a 404 on an entity or table that does not exist.</summary>
    public static bool IsNotFound(Exception exception) => exception is RequestFailedException { Status: 404 };

    /// <summary>
    /// Returns <see cref="StorageUnavailableException"/> for a transient failure and the original exception otherwise.
    /// </summary>
    public static Exception Wrap(Exception exception, string operation)
    {
        ArgumentNullException.ThrowIfNull(exception);

        if (exception is StorageUnavailableException || !IsTransient(exception))
        {
            return exception;
        }

        return new StorageUnavailableException($"Table Storage is unavailable: {operation} failed: {exception.Message}", exception);
    }
}
