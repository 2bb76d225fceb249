function (user, context, callback) {
  var allowed = @@ALLOWED_IPS@@;
  if (allowed.indexOf(context.request.ip) === -1) {
    return callback(new UnauthorizedError('Access denied from this address'));
  }
  callback(null, user, context);
}
