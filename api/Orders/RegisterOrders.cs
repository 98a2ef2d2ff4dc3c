namespace CpxTeleservice.Orders;

/// <summary>
/// The card orders a register's inscriptions ask for, one element per inscription (arrays of equal
/// length): the order id to use, the holder's IdNat, the profession, the catégorie (E: a CPF), the mode
/// d'exercice and département ("" for none), and the transmission time, from which the dossier is complete.
/// </summary>
public sealed record RegisterOrders(
    int[] Indexes,
    Guid[] OrderIds,
    string[] IdNats,
    string[] Professions,
    string[] Categories,
    string[] Modes,
    DateTime?[] TransmittedAt,
    string[] Departements);
