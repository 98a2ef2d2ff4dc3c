namespace CpxTeleservice.Persons;

/// <summary>Professionals as a register names them, one element per person (arrays of equal length).</summary>
public sealed record RegisteredPersons(Guid[] Ids, string[] IdNats, string[] Noms, string[] Prenoms, string?[] Rpps, string?[] Adeli);
