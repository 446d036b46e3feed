using System.Net;

namespace PortusFunctions.Registry;

/// <summary>A registry request failed after its retries, or the registry returned an error.</summary>
public class RegistryException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RegistryException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RegistryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public RegistryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for an error response.</summary>
    public RegistryException(string message, HttpStatusCode statusCode, string? errorCode)
        : base(message)
    {
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    /// <summary>Status of the last response, or null when no response came.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>First error code of the registry's error body, such as <c>NAME_UNKNOWN</c>, when it sent one.</summary>
    public string? ErrorCode { get; }
}

/// <summary>
/// The registry or its token server rejected the configured credentials, or asked for credentials when none are
/// configured. Never a sign that the registry is empty.
/// </summary>
public sealed class RegistryAuthException : RegistryException
{
    /// <summary>Creates the exception.</summary>
    public RegistryAuthException()
    {
    }

    /// <summary>Creates the exception with a message that names the setting to fix.</summary>
    public RegistryAuthException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public RegistryAuthException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Whether the failure concerns every request, such as rejected credentials, rather than one repository.</summary>
    public bool AffectsEveryRequest { get; init; }
}

/// <summary>
/// The registry returned something a complete read cannot be built on: invalid JSON, a body cut short, a
/// malformed or repeating <c>Link</c>, or a catalog that continues after its last page.
/// </summary>
public sealed class RegistryProtocolException : RegistryException
{
    /// <summary>Creates the exception.</summary>
    public RegistryProtocolException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public RegistryProtocolException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public RegistryProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
