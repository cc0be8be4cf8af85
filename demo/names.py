"""Fictitious names for the demonstration data.

Common first names and family names drawn at random and combined: no
combination refers to a real person. Phone numbers come from the range ARCEP
reserves for fiction (06 39 98 xx xx), e-mails from example.org.
"""


def _split(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


FEMALE_FIRST_NAMES = _split(
    """
    Aïcha, Amina, Anaïs, Angélique, Assa, Awa, Béatrice, Camille, Carla, Chloé, Christelle,
    Dalila, Djeneba, Élodie, Émilie, Fanta, Fatima, Fatoumata, Florence, Hawa, Hélène,
    Inès, Isabelle, Jessica, Julie, Karima, Kadiatou, Laetitia, Leïla, Linda, Lucie,
    Malika, Mariam, Marie, Marine, Maryam, Mélanie, Nadia, Naïma, Nathalie, Nour, Océane,
    Rokia, Sabrina, Safiya, Salimata, Samira, Sandrine, Sarah, Séverine, Sofia, Sonia,
    Sophie, Stéphanie, Sylvie, Thi Lan, Valérie, Véronique, Yasmina, Yasmine, Zahra, Zineb,
    Maria, Ana, Lucia, Ioana, Elena, Mei, Lina, Rania
    """
)
MALE_FIRST_NAMES = _split(
    """
    Abdoulaye, Adama, Ahmed, Alexandre, Ali, Amadou, Antoine, Bakary, Bilal, Boubacar,
    Cédric, Christophe, Cheikh, David, Djibril, Éric, Fabrice, Florian, Franck, Hamid,
    Ibrahim, Idriss, Jean, Jérôme, Julien, Karim, Kevin, Loïc, Mamadou, Mehdi, Mohamed,
    Moussa, Nicolas, Omar, Ousmane, Pascal, Patrick, Rachid, Samir, Sébastien, Seydou,
    Souleymane, Stéphane, Thomas, Yacine, Youssef, João, Paulo, Minh, Tarek
    """
)
FAMILY_NAMES = _split(
    """
    Abdallah, Almeida, Amrani, Bah, Barry, Belkacem, Benali, Benamar, Bensaïd, Bernard,
    Bertin, Boucher, Boukhari, Bouzid, Camara, Carvalho, Chérif, Cissé, Clément, Coulibaly,
    Da Silva, Dembélé, Diakité, Diallo, Diarra, Diop, Doucouré, Dubois, Dumont, Durand,
    Fernandes, Fofana, Fontaine, Garcia, Gomes, Guérin, Haddad, Hamidi, Henry, Kanté,
    Keïta, Koné, Konaté, Lambert, Laurent, Lefèvre, Leroy, Lopes, Lopez, Mansour, Marchand,
    Martin, Martins, Mercier, Meziane, Michel, Morel, Moreau, N'Diaye, Nguyen, Ouattara,
    Pereira, Perrin, Petit, Pham, Rahmani, Ribeiro, Richard, Robert, Rodrigues, Rousseau,
    Saïdi, Sall, Sanogo, Santos, Sissoko, Sow, Sy, Tall, Touré, Traoré, Tran, Vincent,
    Yahiaoui, Zerrouki, Ziani, Popescu, Kowalski, Yilmaz, Chen, Lin, Mendes, Ferreira,
    Girard, Roux, Faure, André, Mathieu, Benhamou, Kaci
    """
)

VISIT_NOTES = (
    "CV mis à jour, deux candidatures envoyées.",
    "Inscription à France Travail effectuée ensemble.",
    "Recherche d'offres sur le secteur de la logistique.",
    "Préparation d'un entretien d'embauche prévu la semaine prochaine.",
    "Point sur le projet professionnel : aide à domicile.",
    "Information sur les formations qualifiantes du secteur.",
    "Actualisation mensuelle faite avec la personne.",
    "Création de l'espace personnel en ligne.",
    "Lettre de motivation rédigée pour une candidature spontanée.",
    "Orientation vers un atelier numérique.",
    "Simulation d'entretien réalisée.",
    "Présentation des offres de l'intérim local.",
    "",
)
NEXT_STEPS = (
    "Rapporter le CV imprimé",
    "Relancer l'employeur après l'entretien",
    "Vérifier l'inscription à la formation",
    "Prendre rendez-vous avec la mission locale",
    "Envoyer trois candidatures",
    "Apporter l'attestation France Travail",
)
REFERRAL_DETAILS = {
    "france_travail": ("Agence de Montreuil", ""),
    "service_rsa": ("Projet de ville RSA", ""),
    "mission_locale": ("Mission locale de Montreuil", ""),
    "cap_emploi": ("Cap emploi 93", ""),
    "plie": ("PLIE du territoire", ""),
    "siae": ("Chantier d'insertion espaces verts", "Entreprise d'insertion (restauration)"),
    "organisme_formation": ("Formation d'agent de propreté", "Formation CACES", "Remise à niveau"),
    "autre": ("Atelier numérique de la médiathèque", "Permanence d'accès aux droits"),
}
EMPLOYERS = (
    "Entreprise de nettoyage (exemple)",
    "Supermarché du quartier (exemple)",
    "Plateforme logistique (exemple)",
    "Crèche associative (exemple)",
    "Service d'aide à domicile (exemple)",
    "Restaurant d'entreprise (exemple)",
    "Organisme de formation (exemple)",
    "Collectivité (exemple)",
)
