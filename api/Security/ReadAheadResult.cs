namespace CpxTeleservice.Security;

/// <summary>What a <see cref="ReadAhead"/> read, kept on the request once its card has authenticated.</summary>
internal sealed record ReadAheadResult(object Key, object Value);
