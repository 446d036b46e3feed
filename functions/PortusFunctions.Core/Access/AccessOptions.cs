namespace PortusFunctions.Access;

/// <summary>Keys of the read and admin endpoints, and the development switch (section <c>Access</c>).</summary>
public sealed class AccessOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Access";

    /// <summary>Key for the read API and the operator page. Required unless <see cref="DevelopmentMode"/> is on.</summary>
    public string? ReaderKey { get; set; }

    /// <summary>Key for admin endpoints such as a manual sync; it also grants read access. Required unless <see cref="DevelopmentMode"/> is on.</summary>
    public string? AdminKey { get; set; }

    /// <summary>
    /// When true, missing keys and a missing webhook secret are allowed; with both keys empty, requests without keys
    /// are accepted. Only for a development machine.
    /// </summary>
    public bool DevelopmentMode { get; set; }
}
