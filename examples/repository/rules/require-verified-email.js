function requireVerifiedEmail(user, context, callback) {
  // Applications that do not allow unverified e-mail addresses list
  // themselves in their client metadata.
  const strict = context.clientMetadata && context.clientMetadata.require_verified_email === 'true';
  if (strict && !user.email_verified) {
    return callback(new UnauthorizedError('Please verify your e-mail address before logging in.'));
  }
  callback(null, user, context);
}
