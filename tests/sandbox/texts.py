"""Status and message texts, localized like the API does by the user's language.

Clients must decide by code; German texts prove that nobody matches on text.
"""

TEXTS = {
    'S0000': ('Hello, the connection works.', 'Hallo, die Verbindung funktioniert.'),
    'S400110': ('CSR key was checked successfully.', 'CSR-Schluessel wurde erfolgreich geprueft.'),
    'S400104': ('Certificate data was inquired successfully.', 'Zertifikats-Daten wurden erfolgreich ermittelt.'),
    'S400105': ('Certificates were inquired successfully.', 'Zertifikate wurden erfolgreich ermittelt.'),
    'N400106': ('Certificate renew was started successfully.', 'Zertifikatsverlaengerung wurde erfolgreich gestartet.'),
    'S0905': ('The notification was polled successfully.', 'Die Benachrichtigung wurde erfolgreich abgerufen.'),
    'S0906': ('The notification was confirmed successfully.', 'Die Benachrichtigung wurde erfolgreich bestaetigt.'),
    'S300114': ('The job was inquired successfully.', 'Der Workflow-Auftrag wurde erfolgreich ermittelt.'),
    'S300115': ('Jobs were inquired successfully.', 'Die Workflow-Auftraege wurden erfolgreich ermittelt.'),
    'S0205': ('Zone data was inquired successfully.', 'Zonen-Daten wurden erfolgreich ermittelt.'),
    'S0202002': ('Zone was updated successfully on the name server.', 'Zone wurde erfolgreich auf dem Nameserver aktualisiert.'),
    'E0001': ('The request could not be processed.', 'Die Anfrage konnte nicht bearbeitet werden.'),
    'E400110': ('CSR key check failed.', 'CSR-Schluessel-Pruefung fehlgeschlagen.'),
    'E400104': ('Certificate data could not be inquired.', 'Zertifikats-Daten konnten nicht ermittelt werden.'),
    'E400106': ('Certificate renew could not be started.', 'Zertifikatsverlaengerung konnte nicht gestartet werden.'),
    'E0906': ('The notification could not be confirmed.', 'Die Benachrichtigung konnte nicht bestaetigt werden.'),
    'E300114': ('The job could not be inquired.', 'Der Workflow-Auftrag konnte nicht ermittelt werden.'),
    'E0205': ('Zone data could not be inquired.', 'Zonen-Daten konnten nicht ermittelt werden.'),
    'E0202002': ('Zone could not be updated on the name server.', 'Zone konnte auf dem Nameserver nicht aktualisiert werden.'),
    'EF00001': ('User agent missing.', 'User-Agent fehlt.'),
    'EF00002': ('Unknown request route.', 'Unbekannte Anfrage-Route.'),
    'EF00003': ('The request body is not valid JSON.', 'Der Anfrage-Inhalt ist kein gueltiges JSON.'),
    'EF00022': ('Key not allowed.', 'Schluessel nicht erlaubt.'),
    'EF00025': ('Task limit was reached.', 'Das Auftragslimit wurde erreicht.'),
    'EF00500': ('Internal server error.', 'Interner Serverfehler.'),
    'EF01000': ('Login failed: user, password or context is wrong.', 'Anmeldung fehlgeschlagen: Benutzer, Passwort oder Kontext falsch.'),
    'EF4001101': ('The CSR could not be read.', 'Der CSR konnte nicht gelesen werden.'),
    'EF4001102': ('The key of the CSR is not allowed (RSA 2048 bit, ECC 256 bit at least).',
                  'Der Schluessel des CSR ist nicht erlaubt (mindestens RSA 2048 Bit, ECC 256 Bit).'),
    'EF4001103': ('The CSR has no common name.', 'Der CSR hat keinen Common Name.'),
    'EF4001104': ('The product is unknown.', 'Das Produkt ist unbekannt.'),
    'EF4001105': ('The authentication method must not change.', 'Die Authentifizierungsmethode darf sich nicht aendern.'),
    'EF4001106': ('The common name of the CSR does not match the certificate.', 'Der Common Name des CSR passt nicht zum Zertifikat.'),
    'EF400104': ('The certificate was not found.', 'Das Zertifikat wurde nicht gefunden.'),
    'EF4001012': ('The certificate cannot yet be renewed. This is possible not until 90 days before expiration.',
                  'Das Zertifikat kann noch nicht verlaengert werden. Dies ist erst 90 Tage vor Ablauf moeglich.'),
    'EF4001013': ('A renew of this certificate is already in progress.', 'Eine Verlaengerung dieses Zertifikats laeuft bereits.'),
    'EF4001014': ('This certificate was already renewed.', 'Dieses Zertifikat wurde bereits verlaengert.'),
    'EF4001015': ('The term is not available for this product.', 'Die Laufzeit ist fuer dieses Produkt nicht verfuegbar.'),
    'EF4001016': ('The product of a certificate cannot change on renew.', 'Das Produkt eines Zertifikats kann bei der Verlaengerung nicht wechseln.'),
    'EF400139': ('Domain validation failed on the CA side.', 'Die Domain-Validierung ist bei der CA fehlgeschlagen.'),
    'EF300101': ('The job was not found.', 'Der Workflow-Auftrag wurde nicht gefunden.'),
    'EF09060': ('The notification was not found.', 'Die Benachrichtigung wurde nicht gefunden.'),
    'EF09061': ('Only the oldest notification can be confirmed.', 'Nur die aelteste Benachrichtigung kann bestaetigt werden.'),
    'EF02020': ('The zone was not found.', 'Die Zone wurde nicht gefunden.'),
    'EF02022': ('The resource record was entered twice.', 'Der Zusatzeintrag wurde doppelt eingetragen.'),
    'EF02023': ('The resource record to remove does not exist.', 'Der zu loeschende Zusatzeintrag existiert nicht.'),
    'EF02024': ('The resource record name is not inside the zone.', 'Der Name des Zusatzeintrags liegt nicht in der Zone.'),
    'EF02025': ('The resource record value is not valid.', 'Der Wert des Zusatzeintrags ist ungueltig.'),
}


def text_for(code, language):
    english, german = TEXTS[code]
    return german if language == 'de' else english
