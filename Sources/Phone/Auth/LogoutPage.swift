import Web

/// `GET /logout`: a page with one button that logs out. The logout itself stays a POST with
/// the session's CSRF token, so a link or an image elsewhere cannot log anybody out.
enum LogoutPage {
    static func html(user: String, csrf: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Log out of Shetphone</title>
        <link rel="stylesheet" href="app.css">
        </head>
        <body>
        <main class="logout">
        <h1>Log out</h1>
        <p>You are logged in as <strong>\(escape(user))</strong>.</p>
        <form method="post" action="logout">
        <input type="hidden" name="csrf" value="\(escape(csrf))">
        <button type="submit" class="btn">Log out</button>
        </form>
        <p><a href=".">Back to the phone</a></p>
        </main>
        </body>
        </html>

        """
    }

    static func escape(_ text: String) -> String { TwiML.escape(text, inAttribute: true) }
}

extension LoginRoutes {
    /// `GET /logout`: the logout page for a logged-in user; the login page for anyone else.
    public var logoutPageHandler: Handler {
        { [self] request, responder in
            guard let session = requireSession(request) else {
                responder.send(.redirect(to: basePath + "/login", status: .seeOther))
                return
            }
            var response = Response.html(LogoutPage.html(user: session.user, csrf: session.csrfToken))
            response.headers.set("Cache-Control", "no-store")
            // No script at all on this page.
            response.headers.set("Content-Security-Policy", "default-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
            responder.send(response)
        }
    }

    /// `GET /`: the dialer for a logged-in user; a 303 to the login page for anyone else (so the
    /// browser goes there without a 401 in its console).
    public func dialerPage(_ files: @escaping (Request) -> Response) -> Handler {
        { [self] request, responder in
            guard requireSession(request) != nil else {
                responder.send(.redirect(to: basePath + "/login", status: .seeOther))
                return
            }
            responder.send(files(request))
        }
    }
}
