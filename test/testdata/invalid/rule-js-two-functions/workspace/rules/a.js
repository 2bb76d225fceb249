function addClaims(user, context, callback) {
  callback(null, user, context);
}

function helper() {}
