/// The largest request body the application reads for a request, asked with the request's method
/// and target once its head has arrived; nil: `Limits.maxBodyBytes`. `Router.bodyLimit` is one.
public typealias BodyLimit = @Sendable (_ method: String, _ target: String) -> Int?
