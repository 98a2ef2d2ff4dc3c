namespace CpxTeleservice.Tests.Faults;

/// <summary>
/// The fault tests stop a PostgreSQL of their own or kill a server they started: they run one after
/// another (beside the other tests), so that two clusters or servers are never started at once for them.
/// </summary>
[CollectionDefinition(nameof(OneFaultAtATime))]
public sealed class OneFaultAtATime;
